package calls

// SetBeforeAdmit makes every join run f between its first look at the
// call and its admission (tests hold joins there to make them race).
func SetBeforeAdmit(m *Module, f func()) { m.beforeAdmit = f }

// MutedDrops is how many audio packets the channel's call dropped because
// a moderator muted their sender.
func MutedDrops(m *Module, channelID string) int64 {
	if r := m.roomOf(channelID); r != nil {
		return r.mutedDrops.Load()
	}
	return 0
}
