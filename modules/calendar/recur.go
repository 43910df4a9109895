package calendar

import (
	"errors"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Wall-clock layouts: times are kept as the wall clock in the event's
// zone, so that a weekly 09:00 stays at 09:00 across daylight saving.
const (
	localLayout = "2006-01-02T15:04:05"
	dateLayout  = "2006-01-02"
)

// Bounds on recurrence: a rule is expanded from its start, so these keep
// every expansion small whatever the rule says.
const (
	// maxSteps bounds the occurrences walked in one expansion (from the
	// series' start to the window's end).
	maxSteps = 100_000
	// maxCount bounds COUNT.
	maxCount = 5000
	// openEnd marks a rule without an end in last_end_at.
	openEnd = int64(1) << 62
	minYear = 1900
	maxYear = 2200
)

func invalidTime(field, format string, args ...any) error {
	return apperr.Invalid(field, format, args...).WithCode(apperr.CodeInvalidTime)
}

func invalidRule(field, format string, args ...any) error {
	return apperr.Invalid(field, format, args...).WithCode(apperr.CodeInvalidRecurrence)
}

// loadZone loads an IANA zone; "Local" and empty names are refused, since
// they would mean whatever the server's zone is.
func loadZone(field, name string) (*time.Location, error) {
	if name == "" || name == "Local" || len(name) > 64 || strings.Contains(name, "..") {
		return nil, apperr.Invalid(field, "%q is not an IANA time zone such as Europe/Berlin", name).WithCode(apperr.CodeInvalidTimeZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, apperr.Invalid(field, "%q is not an IANA time zone such as Europe/Berlin", name).WithCode(apperr.CodeInvalidTimeZone)
	}
	return loc, nil
}

// parseWhen reads a start or end: a wall-clock time in loc
// (2006-01-02T15:04[:05]), an RFC 3339 time with an offset (converted to
// loc's wall clock), or, for all-day events, a date.
func parseWhen(field, s string, loc *time.Location, allDay bool) (time.Time, error) {
	var t time.Time
	var err error
	switch {
	case allDay:
		t, err = time.ParseInLocation(dateLayout, s, loc)
		if err != nil {
			return t, invalidTime(field, "%q is not a date (2006-01-02) as all-day events take", s)
		}
	case len(s) == len("2006-01-02T15:04"):
		t, err = time.ParseInLocation("2006-01-02T15:04", s, loc)
	case len(s) == len(localLayout):
		t, err = time.ParseInLocation(localLayout, s, loc)
	default:
		t, err = time.Parse(time.RFC3339, s)
		t = t.In(loc)
	}
	if err != nil {
		return t, invalidTime(field, "%q is not a time: send 2006-01-02T15:04 in the event's time zone, or RFC 3339", s)
	}
	if t.Year() < minYear || t.Year() > maxYear {
		return t, invalidTime(field, "%q is outside the years %d to %d", s, minYear, maxYear)
	}
	return t, nil
}

// wall formats t as the wall clock in its location.
func wall(t time.Time, allDay bool) string {
	if allDay {
		return t.Format(dateLayout)
	}
	return t.Format(localLayout)
}

// parseRule checks an RRULE value and returns its options. Only the
// frequencies calendars use are accepted (daily and slower) and no BYHOUR,
// BYMINUTE or BYSECOND, so a rule makes at most a few occurrences a day.
func parseRule(field, s string) (*rrule.ROption, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "RRULE:")
	if s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ";") {
		k, _, _ := strings.Cut(part, "=")
		switch strings.ToUpper(k) {
		case "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "WKST":
		default:
			return nil, invalidRule(field, "RRULE part %q is not supported (Kontor takes FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, WKST)", k)
		}
	}
	opt, err := rrule.StrToROption(s)
	if err != nil {
		return nil, invalidRule(field, "the RRULE cannot be read: %v", err)
	}
	switch opt.Freq {
	case rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY:
	default:
		return nil, invalidRule(field, "only DAILY, WEEKLY, MONTHLY and YEARLY rules are supported")
	}
	if opt.Count < 0 || opt.Count > maxCount {
		return nil, apperr.Invalid(field, "COUNT may be at most %d", maxCount).WithCode(apperr.CodeRecurrenceTooLarge)
	}
	if opt.Interval < 0 || opt.Interval > 1000 {
		return nil, invalidRule(field, "INTERVAL must be between 1 and 1000")
	}
	if !opt.Until.IsZero() && (opt.Until.Year() < minYear || opt.Until.Year() > maxYear) {
		return nil, invalidTime(field, "UNTIL is outside the years %d to %d", minYear, maxYear)
	}
	return opt, nil
}

// series is what expansion needs of an event.
type series struct {
	start, end time.Time // first occurrence, in the event's zone
	allDay     bool
	rule       *rrule.ROption
	rdates     []time.Time
	exdates    []time.Time
}

// naive reads t's wall clock as if it were UTC, for wall-clock arithmetic.
func naive(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// endFor is the end of the occurrence starting at start: the same
// wall-clock length as the first one, so a 09:00-10:00 meeting ends at
// 10:00 on the day the clocks change too.
func (s series) endFor(start time.Time) time.Time {
	n := naive(start).Add(naive(s.end).Sub(naive(s.start)))
	return time.Date(n.Year(), n.Month(), n.Day(), n.Hour(), n.Minute(), n.Second(), 0, start.Location())
}

var errTooMany = errors.New("recurrence expands to too many occurrences")

// iterator walks the occurrence starts in order.
func (s series) iterator() (func() (time.Time, bool), error) {
	if s.rule == nil {
		times := append([]time.Time{s.start}, s.rdates...)
		sortTimes(times)
		ex := map[int64]bool{}
		for _, x := range s.exdates {
			ex[x.Unix()] = true
		}
		i := 0
		return func() (time.Time, bool) {
			for i < len(times) {
				t := times[i]
				i++
				if !ex[t.Unix()] {
					return t, true
				}
			}
			return time.Time{}, false
		}, nil
	}
	opt := *s.rule
	opt.Dtstart = s.start
	r, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, invalidRule("body.rrule", "the RRULE cannot be used: %v", err)
	}
	set := &rrule.Set{}
	set.RRule(r)
	for _, d := range s.rdates {
		set.RDate(d)
	}
	for _, d := range s.exdates {
		set.ExDate(d)
	}
	return set.Iterator(), nil
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// between returns the starts of the occurrences overlapping [from, to),
// at most limit of them. It walks at most maxSteps occurrences from the
// series' start and fails with errTooMany beyond.
func (s series) between(from, to time.Time, limit int) ([]time.Time, error) {
	next, err := s.iterator()
	if err != nil {
		return nil, err
	}
	var out []time.Time
	span := s.end.Sub(s.start)
	for steps := 0; ; steps++ {
		if steps >= maxSteps {
			return out, errTooMany
		}
		t, ok := next()
		if !ok || !t.Before(to) {
			return out, nil
		}
		// Far before the window: skip without wall-clock arithmetic (a
		// zone's offset changes by less than a day).
		if t.Add(span + 24*time.Hour).Before(from) {
			continue
		}
		if s.endFor(t).After(from) {
			out = append(out, t)
			if len(out) >= limit {
				return out, nil
			}
		}
	}
}

// lastEnd is the end of the last occurrence, or openEnd when the rule
// has no end (or more occurrences than are worth counting).
func (s series) lastEnd() int64 {
	if s.rule == nil || (s.rule.Count == 0 && s.rule.Until.IsZero()) {
		if s.rule != nil {
			return openEnd
		}
		last := s.end
		for _, d := range s.rdates {
			if e := s.endFor(d); e.After(last) {
				last = e
			}
		}
		return last.UnixMilli()
	}
	next, err := s.iterator()
	if err != nil {
		return openEnd
	}
	last := s.end
	for steps := 0; steps < maxSteps; steps++ {
		t, ok := next()
		if !ok {
			return last.UnixMilli()
		}
		if e := s.endFor(t); e.After(last) {
			last = e
		}
	}
	return openEnd
}

// parseDates reads RDATE or EXDATE values as wall-clock times in loc.
func parseDates(field string, in []string, loc *time.Location, allDay bool) ([]time.Time, error) {
	out := make([]time.Time, 0, len(in))
	for _, s := range in {
		t, err := parseWhen(field, s, loc, allDay)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func joinDates(ts []time.Time, allDay bool) string {
	ss := make([]string, len(ts))
	for i, t := range ts {
		ss[i] = wall(t, allDay)
	}
	return strings.Join(ss, ",")
}

func splitDates(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// checkWindow checks an occurrence query's window.
func (m *Module) checkWindow(from, to time.Time) error {
	if !to.After(from) {
		return apperr.Invalid("query.to", "the window ends before it starts").WithCode(apperr.CodeEndBeforeStart)
	}
	if to.Sub(from) > m.cfg.MaxWindow {
		return apperr.Invalid("query.to", "the window may span at most %d days; ask for a shorter one", int(m.cfg.MaxWindow.Hours()/24)).WithCode(apperr.CodeWindowTooLarge)
	}
	if from.Year() < minYear || to.Year() > maxYear {
		return invalidTime("query.from", "the window is outside the years %d to %d", minYear, maxYear)
	}
	return nil
}

func tooMany(id string) error {
	return apperr.Invalid("", "event %s recurs more often than Kontor expands (over %d occurrences before this window)", id, maxSteps).WithCode(apperr.CodeRecurrenceTooLarge)
}
