package secret

import (
	"context"
	"fmt"
	"log/slog"
)

// handler redacts log records before another handler writes them: the
// one place where secrets are kept out of the log, whoever logs.
type handler struct {
	inner slog.Handler
	red   *Redactor
}

// NewHandler returns a handler that redacts each record's message and
// attribute values with r (nil: Redact), then passes it to h. Wrapping a
// handler NewHandler made with the same r returns it unchanged.
func NewHandler(h slog.Handler, r *Redactor) slog.Handler {
	if rh, ok := h.(*handler); ok && rh.red == r {
		return h
	}
	return &handler{inner: h, red: r}
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.red.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{inner: h.inner.WithAttrs(red), red: h.red}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{inner: h.inner.WithGroup(name), red: h.red}
}

// attr redacts one attribute. Strings, errors and Stringers become their
// redacted text; other values (numbers, times, slices) are kept as they
// are unless their printed form holds something to redact, so that a
// JSON log keeps its types.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.red.String(v.String()))
	case slog.KindGroup:
		group := v.Group()
		red := make([]slog.Attr, len(group))
		for i, g := range group {
			red[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(red...)}
	case slog.KindAny:
		x := v.Any()
		if x == nil {
			break
		}
		// fmt recovers from a String or Error method that panics.
		s := fmt.Sprint(x)
		red := h.red.String(s)
		switch x.(type) {
		case error, fmt.Stringer:
			return slog.String(a.Key, red)
		}
		if red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
