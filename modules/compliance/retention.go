package compliance

import "time"

// RetentionConfig configures the daily retention job.
type RetentionConfig struct {
	// Interval is how often the job looks whether a run is due (a run is
	// due a day after the last one, by the module's clock). 0: an hour.
	// Negative: the job is off (the endpoint and the command still run).
	Interval time.Duration
}

func (c RetentionConfig) withDefaults() RetentionConfig {
	if c.Interval == 0 {
		c.Interval = time.Hour
	}
	return c
}
