package httpapi

import (
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// docsHandler renders the OpenAPI document as one plain HTML page. Hosted
// renderers pull scripts from a CDN, which a self-hosted install behind a
// firewall cannot reach and which our content security policy forbids.
func (s *Server) docsHandler(w http.ResponseWriter, r *http.Request) {
	type param struct {
		Name, In, Type, Doc string
		Required            bool
	}
	type op struct {
		Method, Path, ID, Summary, Description string
		Params                                 []param
		Body                                   string
		Responses                              []string
	}
	type tag struct {
		Name string
		Ops  []op
	}
	byTag := map[string]*tag{}
	oapi := s.api.OpenAPI()
	for path, item := range oapi.Paths {
		for method, o := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put,
			"PATCH": item.Patch, "DELETE": item.Delete} {
			if o == nil {
				continue
			}
			d := op{Method: method, Path: path, ID: o.OperationID, Summary: o.Summary, Description: o.Description}
			for _, p := range o.Parameters {
				t := ""
				if p.Schema != nil {
					t = p.Schema.Type
				}
				d.Params = append(d.Params, param{Name: p.Name, In: p.In, Type: t, Doc: p.Description, Required: p.Required})
			}
			if o.RequestBody != nil {
				for ct, mt := range o.RequestBody.Content {
					d.Body = ct
					if mt.Schema != nil && mt.Schema.Ref != "" {
						d.Body += ": " + strings.TrimPrefix(mt.Schema.Ref, "#/components/schemas/")
					}
				}
			}
			for code := range o.Responses {
				d.Responses = append(d.Responses, code)
			}
			sort.Strings(d.Responses)
			name := "other"
			if len(o.Tags) > 0 {
				name = o.Tags[0]
			}
			if byTag[name] == nil {
				byTag[name] = &tag{Name: name}
			}
			byTag[name].Ops = append(byTag[name].Ops, d)
		}
	}
	var tags []*tag
	for _, t := range byTag {
		sort.Slice(t.Ops, func(i, j int) bool {
			if t.Ops[i].Path != t.Ops[j].Path {
				return t.Ops[i].Path < t.Ops[j].Path
			}
			return t.Ops[i].Method < t.Ops[j].Method
		})
		tags = append(tags, t)
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_ = docsTemplate.Execute(w, map[string]any{"Title": oapi.Info.Title, "Version": oapi.Info.Version,
		"Description": oapi.Info.Description, "Tags": tags})
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,.path{font-family:ui-monospace,monospace}.op{border:1px solid #d8dce4;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
.m{display:inline-block;min-width:4.5em;font-weight:700}.GET{color:#1769aa}.POST{color:#24803d}.DELETE{color:#b3261e}.PATCH,.PUT{color:#8a5a00}
table{border-collapse:collapse}td{padding:.1rem .6rem .1rem 0;vertical-align:top}.muted{color:#667}
</style></head><body>
<h1>{{.Title}} <span class="muted">{{.Version}}</span></h1>
<p>{{.Description}}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1), <a href="/api/openapi.yaml">YAML</a>.</p>
{{range .Tags}}<h2 id="{{.Name}}">{{.Name}}</h2>{{range .Ops}}
<div class="op" id="{{.ID}}"><div><span class="m {{.Method}}">{{.Method}}</span> <span class="path">{{.Path}}</span> <span class="muted">{{.ID}}</span></div>
<div><strong>{{.Summary}}</strong></div>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{if .Params}}<table>{{range .Params}}<tr><td><code>{{.Name}}</code></td><td class="muted">{{.In}} {{.Type}}{{if .Required}}, required{{end}}</td><td>{{.Doc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<div>Body: <code>{{.Body}}</code></div>{{end}}
<div class="muted">Responses: {{range .Responses}}{{.}} {{end}}</div></div>{{end}}{{end}}
</body></html>`))
