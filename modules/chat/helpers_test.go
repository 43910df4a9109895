package chat_test

import "github.com/kontorhq/kontor/compliance/journal"

func journalFilter(subject string) journal.Filter { return journal.Filter{SubjectID: subject} }
