package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Problem is an RFC 9457 problem details response.
type Problem struct {
	Type     string              `json:"type,omitempty" doc:"A URI reference identifying the problem type."`
	Title    string              `json:"title" doc:"Short summary of the problem type."`
	Status   int                 `json:"status" doc:"HTTP status code."`
	Detail   string              `json:"detail,omitempty" doc:"What went wrong and what to do about it."`
	Instance string              `json:"instance,omitempty" doc:"The request path."`
	Code     string              `json:"code,omitempty" doc:"Stable machine-readable reason, e.g. account_disabled; one of a closed list (docs/api.md)."`
	ErrorID  string              `json:"error_id,omitempty" doc:"For internal errors: quote it to your administrator; the server log has the details under this id."`
	Errors   []*huma.ErrorDetail `json:"errors,omitempty" doc:"Which inputs were wrong and why."`
}

// TransformSchema publishes the closed list of codes (apperr.Codes) as the
// enum of a problem's code, so clients can be generated against it.
func (p *Problem) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if c := s.Properties["code"]; c != nil {
		c.Enum = nil
		for _, code := range slices.Sorted(maps.Keys(apperr.Codes)) {
			c.Enum = append(c.Enum, string(code))
		}
	}
	return s
}

func (p *Problem) Error() string             { return p.Detail }
func (p *Problem) GetStatus() int            { return p.Status }
func (p *Problem) ContentType(string) string { return "application/problem+json" }

var statusOfKind = []struct {
	kind   error
	status int
}{
	{apperr.ErrInvalid, http.StatusUnprocessableEntity},
	{apperr.ErrMalformed, http.StatusBadRequest},
	{apperr.ErrUnauthenticated, http.StatusUnauthorized},
	{apperr.ErrForbidden, http.StatusForbidden},
	{apperr.ErrNotFound, http.StatusNotFound},
	{apperr.ErrConflict, http.StatusConflict},
	{apperr.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{apperr.ErrRateLimited, http.StatusTooManyRequests},
	{apperr.ErrUnavailable, http.StatusServiceUnavailable},
	{apperr.ErrGone, http.StatusGone},
}

// StatusOf returns the HTTP status for err's kind, or 500.
func StatusOf(err error) int {
	for _, k := range statusOfKind {
		if errors.Is(err, k.kind) {
			return k.status
		}
	}
	return http.StatusInternalServerError
}

// toProblem turns what a handler or huma reported into a problem that is
// safe to send: messages of apperr.Error and huma's own validation details
// pass through; any other error becomes "internal error" with an id, and
// the error itself goes only to the log.
func toProblem(ctx context.Context, status int, msg string, errs []error) (*Problem, time.Duration) {
	p := &Problem{Status: status, Detail: msg}
	var retry time.Duration
	if status == http.StatusInternalServerError || status == 0 {
		var ae *apperr.Error
		for _, e := range errs {
			if e != nil && errors.As(e, &ae) {
				p.Status = StatusOf(ae)
				p.Detail = ae.Message
				p.Code = string(ae.Code)
				retry = ae.RetryAfter
				if ae.Field != "" {
					p.Errors = []*huma.ErrorDetail{{Message: ae.Message, Location: ae.Field}}
				}
				break
			}
		}
		if ae == nil {
			for _, e := range errs {
				if e == nil {
					continue
				}
				if s := StatusOf(e); s != http.StatusInternalServerError {
					p.Status = s
					p.Detail = http.StatusText(s)
					break
				}
			}
		}
		if p.Status == http.StatusInternalServerError && status != 0 {
			p.ErrorID = ids.New()
			p.Detail = "internal error; if it persists, give your administrator the error id " + p.ErrorID
			LoggerFrom(ctx).ErrorContext(ctx, "internal error", "error_id", p.ErrorID, "error", errors.Join(errs...))
		}
	} else {
		for _, e := range errs {
			if e == nil {
				continue
			}
			var d huma.ErrorDetailer
			if errors.As(e, &d) {
				// Without the offending value: it may be a password.
				ed := d.ErrorDetail()
				p.Errors = append(p.Errors, &huma.ErrorDetail{Message: ed.Message, Location: ed.Location})
			} else if ae := (*apperr.Error)(nil); errors.As(e, &ae) {
				p.Errors = append(p.Errors, &huma.ErrorDetail{Message: ae.Message, Location: ae.Field})
			}
			// Anything else may carry internals (parser errors quoting
			// input, paths); the status and message say enough.
		}
	}
	if p.Status == http.StatusUnsupportedMediaType {
		p.Detail = "send the request body as JSON with the header Content-Type: application/json"
	}
	p.Title = http.StatusText(p.Status)
	return p, retry
}

var installProblems sync.Once

// installErrorHandler points huma's error constructors at toProblem. huma
// keeps them in package variables, so this is process-wide; every Kontor
// server wants the same behaviour, hence the sync.Once.
func installErrorHandler() {
	installProblems.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			p, _ := toProblem(context.Background(), status, msg, errs)
			return p
		}
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			ctx := context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			p, retry := toProblem(ctx, status, msg, errs)
			if hctx != nil {
				p.Instance = hctx.URL().Path
				if retry > 0 {
					hctx.SetHeader("Retry-After", strconv.Itoa(int(retry.Seconds()+0.999)))
				}
			}
			return p
		}
	})
}

// WriteError writes err as a problem response, for plain http handlers
// and middleware outside huma.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p, retry := toProblem(r.Context(), http.StatusInternalServerError, "", []error{err})
	p.Instance = r.URL.Path
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds()+0.999)))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

type loggerKey struct{}

// LoggerFrom returns the request-scoped logger in ctx.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return fallbackLogger
}

// fallbackLogger is used only for errors raised outside a request (huma
// building example errors at registration); it writes nowhere.
var fallbackLogger = slog.New(slog.DiscardHandler)
