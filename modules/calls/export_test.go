package calls

// SetBeforeAdmit makes every join run f between its first look at the
// call and its admission (tests hold joins there to make them race).
func SetBeforeAdmit(m *Module, f func()) { m.beforeAdmit = f }
