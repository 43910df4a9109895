package eventlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Publish adds the event vocabulary to an OpenAPI document:
//
//   - for every event kind a schema <Name>Event (channel.created:
//     ChannelCreatedEvent) with its payload, as the websocket delivers it,
//     and the union Event of them all, discriminated by type;
//   - for every other frame the websocket server sends a schema
//     <Name>Frame (hello: HelloFrame), and the union Frame of every
//     frame, the events included.
//
// Payload schemas come from the registry, as the operations' do, so an
// event carries the same Channel or Message schema as the REST API.
func Publish(oapi *huma.OpenAPI, events, frames []Spec) error {
	reg := oapi.Components.Schemas
	all := reg.Map()
	union := func(specs []Spec, suffix string, envelope func(Spec) *huma.Schema) ([]*huma.Schema, map[string]string, error) {
		var refs []*huma.Schema
		mapping := map[string]string{}
		for _, s := range specs {
			if _, dup := mapping[s.Type]; dup {
				return nil, nil, fmt.Errorf("publish events: %s declared twice", s.Type)
			}
			name := schemaName(s.Type) + suffix
			if _, taken := all[name]; taken {
				return nil, nil, fmt.Errorf("publish events: schema %s exists already", name)
			}
			sch := envelope(s)
			sch.PrecomputeMessages()
			all[name] = sch
			ref := "#/components/schemas/" + name
			refs = append(refs, &huma.Schema{Ref: ref})
			mapping[s.Type] = ref
		}
		return refs, mapping, nil
	}
	evRefs, evMap, err := union(events, "Event", func(s Spec) *huma.Schema {
		return &huma.Schema{
			Type:        huma.TypeObject,
			Description: "The " + s.Type + " event, as the websocket delivers it.",
			Properties: map[string]*huma.Schema{
				"type":       {Type: huma.TypeString, Enum: []any{s.Type}},
				"cursor":     {Type: huma.TypeInteger, Format: "int64", Description: "Position in the event log; send the last one when reconnecting."},
				"at":         {Type: huma.TypeString, Format: "date-time"},
				"channel_id": {Type: huma.TypeString, Description: "The channel it concerns; empty for events addressed to one person."},
				"payload":    reg.Schema(s.Payload, true, ""),
			},
			Required:             []string{"type", "cursor", "at", "payload"},
			AdditionalProperties: false,
		}
	})
	if err != nil {
		return err
	}
	frRefs, frMap, err := union(frames, "Frame", func(s Spec) *huma.Schema {
		return &huma.Schema{
			Type:        huma.TypeObject,
			Description: "The " + s.Type + " frame.",
			Properties: map[string]*huma.Schema{
				"type":       {Type: huma.TypeString, Enum: []any{s.Type}},
				"channel_id": {Type: huma.TypeString},
				"payload":    reg.Schema(s.Payload, true, ""),
			},
			Required:             []string{"type", "payload"},
			AdditionalProperties: false,
		}
	})
	if err != nil {
		return err
	}
	for t := range frMap {
		if _, clash := evMap[t]; clash {
			return fmt.Errorf("publish events: %s is both a frame and an event", t)
		}
	}
	for _, u := range []struct {
		name, doc string
		refs      []*huma.Schema
		mapping   map[string]string
	}{
		{"Event", "Every event of the event log, discriminated by type. The websocket delivers them; a reconnect with the last cursor replays the missed ones.", evRefs, evMap},
		{"Frame", "Every frame the websocket server sends: control frames and the events.", append(frRefs, evRefs...), merge(frMap, evMap)},
	} {
		if _, taken := all[u.name]; taken {
			return fmt.Errorf("publish events: schema %s exists already", u.name)
		}
		sch := &huma.Schema{Description: u.doc, OneOf: u.refs,
			Discriminator: &huma.Discriminator{PropertyName: "type", Mapping: u.mapping}}
		sch.PrecomputeMessages()
		all[u.name] = sch
	}
	return nil
}

func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// schemaName turns an event type into a schema name: "channel.created" →
// "ChannelCreated", "presence_sub" → "PresenceSub".
func schemaName(typ string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(typ, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// Checker validates events against the schemas Publish added.
type Checker struct {
	reg     huma.Registry
	schemas map[string]*huma.Schema
}

// NewChecker reads the Event union from a document Publish has filled.
func NewChecker(oapi *huma.OpenAPI) (*Checker, error) {
	reg := oapi.Components.Schemas
	u := reg.Map()["Event"]
	if u == nil || u.Discriminator == nil {
		return nil, errors.New("the OpenAPI document has no Event union: call eventlog.Publish")
	}
	c := &Checker{reg: reg, schemas: map[string]*huma.Schema{}}
	for typ, ref := range u.Discriminator.Mapping {
		s := reg.SchemaFromRef(ref)
		if s == nil {
			return nil, fmt.Errorf("event %s: schema %s missing", typ, ref)
		}
		c.schemas[typ] = s
	}
	return c, nil
}

// Types lists the event types that have a schema.
func (c *Checker) Types() []string {
	out := make([]string, 0, len(c.schemas))
	for t := range c.schemas {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Check validates ev as the websocket delivers it (the frame the realtime
// gateway builds from it) against the schema of its type. An event type
// without a schema is an error.
func (c *Checker) Check(ev Event) error {
	s, ok := c.schemas[ev.Type]
	if !ok {
		return fmt.Errorf("event %s has no schema in the OpenAPI document: declare its Kind in the module's event list", ev.Type)
	}
	at := ev.At
	frame := struct {
		Type      string          `json:"type"`
		Cursor    int64           `json:"cursor,omitempty"`
		ChannelID string          `json:"channel_id,omitempty"`
		At        *time.Time      `json:"at,omitempty"`
		Payload   json.RawMessage `json:"payload,omitempty"`
	}{ev.Type, ev.Seq, ev.ChannelID, &at, ev.Payload}
	b, err := json.Marshal(frame)
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.Type, err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("event %s: %w", ev.Type, err)
	}
	res := &huma.ValidateResult{}
	huma.Validate(c.reg, s, huma.NewPathBuffer(make([]byte, 0, 128), 0), huma.ModeReadFromServer, v, res)
	if len(res.Errors) > 0 {
		return fmt.Errorf("event %s does not match its schema: %w (payload %s)", ev.Type, errors.Join(res.Errors...), ev.Payload)
	}
	return nil
}
