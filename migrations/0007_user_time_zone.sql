-- Each person's time zone (IANA name), so colleagues see their local time.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
