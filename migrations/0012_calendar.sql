-- Calendar: a personal calendar per person and one per channel, events
-- with recurrence and overrides of single occurrences, attendees with
-- their answers, hidden channel calendars, working hours, private feed
-- tokens and the reminders already sent.

-- owner_key is 'user:<id>' or 'channel:<id>': one calendar each.
CREATE TABLE calendars (
    id         TEXT PRIMARY KEY,
    owner_key  TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,               -- personal | channel
    user_id    TEXT NOT NULL DEFAULT '',    -- personal: its owner
    channel_id TEXT NOT NULL DEFAULT '',    -- channel: its channel
    color      TEXT NOT NULL DEFAULT '',    -- #rrggbb; empty: the app picks
    created_at BIGINT NOT NULL
);
CREATE INDEX calendars_channel ON calendars (channel_id);

-- An event, or (parent_id set) the override of one occurrence of a
-- recurring event, which replaces the occurrence that would have started
-- at recurrence_at. start_local and end_local are the wall-clock times in
-- time_zone (2006-01-02T15:04:05, or a date for all-day events); start_at
-- and end_at the first occurrence in UTC milliseconds. last_end_at is the
-- end of the last occurrence (a large number for rules without end), so a
-- window query needs no expansion to skip an event.
CREATE TABLE calendar_events (
    id            TEXT PRIMARY KEY,
    calendar_id   TEXT NOT NULL REFERENCES calendars (id),
    uid           TEXT NOT NULL,                -- iCalendar UID
    dav_name      TEXT NOT NULL DEFAULT '',     -- the resource name a CalDAV client chose (<name>.ics)
    parent_id     TEXT NOT NULL DEFAULT '',
    recurrence_at BIGINT NOT NULL DEFAULT 0,
    organizer_id  TEXT NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    location      TEXT NOT NULL DEFAULT '',
    call_link     TEXT NOT NULL DEFAULT '',
    time_zone     TEXT NOT NULL,
    all_day       BOOLEAN NOT NULL DEFAULT FALSE,
    start_local   TEXT NOT NULL,
    end_local     TEXT NOT NULL,
    start_at      BIGINT NOT NULL,
    end_at        BIGINT NOT NULL,
    last_end_at   BIGINT NOT NULL,
    rrule         TEXT NOT NULL DEFAULT '',
    rdates        TEXT NOT NULL DEFAULT '',     -- comma-separated local wall-clock times
    exdates       TEXT NOT NULL DEFAULT '',
    sequence      BIGINT NOT NULL DEFAULT 0,    -- iCalendar SEQUENCE, +1 per change
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    cancelled_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX calendar_events_window ON calendar_events (calendar_id, start_at, last_end_at);
CREATE INDEX calendar_events_parent ON calendar_events (parent_id, recurrence_at);
CREATE UNIQUE INDEX calendar_events_uid ON calendar_events (calendar_id, uid, recurrence_at) WHERE cancelled_at = 0;
CREATE INDEX calendar_events_dav ON calendar_events (calendar_id, dav_name);

-- Who is invited: a person (user_id) or a whole channel (channel_id).
-- A person invited through a channel gets their own row when they answer.
CREATE TABLE calendar_attendees (
    event_id   TEXT NOT NULL REFERENCES calendar_events (id),
    user_id    TEXT NOT NULL DEFAULT '',
    channel_id TEXT NOT NULL DEFAULT '',
    rsvp       TEXT NOT NULL DEFAULT 'needs_action', -- needs_action | accepted | tentative | declined
    comment    TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id, channel_id)
);
CREATE INDEX calendar_attendees_user ON calendar_attendees (user_id, event_id);
CREATE INDEX calendar_attendees_channel ON calendar_attendees (channel_id, event_id);

-- Channel calendars a person chose not to see in their view.
CREATE TABLE calendar_hidden (
    user_id     TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    PRIMARY KEY (user_id, calendar_id)
);

-- Working hours per person: JSON [{"weekday":1,"start":"09:00","end":"17:00"}].
CREATE TABLE calendar_working_hours (
    user_id   TEXT PRIMARY KEY,
    time_zone TEXT NOT NULL,
    hours     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Private feed URLs. calendar_id empty: the person's whole view. The
-- token is stored hashed; revoked feeds answer 404.
CREATE TABLE calendar_feeds (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    calendar_id TEXT NOT NULL DEFAULT '',
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id);

-- Reminders a person set on an event (minutes before each occurrence),
-- and the ones already delivered: the job inserts the sent row in the
-- transaction that posts the reminder, so each is delivered once even
-- when several nodes run the job.
CREATE TABLE calendar_reminders (
    event_id TEXT NOT NULL REFERENCES calendar_events (id),
    user_id  TEXT NOT NULL,
    minutes  BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id, minutes)
);
CREATE TABLE calendar_reminders_sent (
    event_id      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    minutes       BIGINT NOT NULL,
    occurrence_at BIGINT NOT NULL,
    sent_at       BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id, minutes, occurrence_at)
);
