package scopes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Task is a reprocessing schedule (upstream's ReprocessingScheduler):
// the periods starting from Start up to and including End are rated
// again, one by one; Current is the start of the last one rewritten
// (nil until the first is).
type Task struct {
	ID      int64      `json:"id"`
	ScopeID string     `json:"scope_id"`
	Reason  string     `json:"reason"`
	Start   time.Time  `json:"start_reprocess_time"`
	End     time.Time  `json:"end_reprocess_time"`
	Current *time.Time `json:"current_reprocess_time,omitempty"`
}

// Finished reports whether every period of the task was rewritten.
func (t Task) Finished() bool { return t.Current != nil && !t.Current.Before(t.End) }

// Next returns the start of the next period to rewrite, false when the
// task is finished.
func (t Task) Next(period time.Duration) (time.Time, bool) {
	next := t.Start
	if t.Current != nil {
		next = t.Current.Add(period)
	}
	return next, !next.After(t.End)
}

// All is the scope list that means every active scope.
const All = "ALL"

// Schedule is POST /v2/task/reprocesses: one task per scope, validated
// as upstream does, in its order and with its messages: ALL mixed with
// ids, a blank reason, end before start, a window not aligned to the
// period, unknown (or inactive) scopes, a window past the scope's last
// processed period, an overlap with an unfinished task. visible, when
// set, limits the scopes (ALL included) to the caller's.
func (s *Store) Schedule(ctx context.Context, ids []string, start, end time.Time, reason string, period time.Duration, visible func(string) bool) error {
	start, end = start.UTC(), end.UTC()
	if slices.Contains(ids, All) && len(ids) != 1 {
		return invalidf("Cannot use 'ALL' with scope ID [%s]. Either schedule a reprocessing for all active scopes using 'ALL' option, or inform only the scopes you desire to schedule a reprocessing.", pyList(ids))
	}
	if strings.TrimSpace(reason) == "" {
		return invalidf("Empty or blank reason text is not allowed. Please, do inform/register the reason for the reprocessing of a previously processed timestamp.")
	}
	if end.Before(start) {
		// Upstream names the two in the wrong order; the message here
		// puts each value after its own name.
		return invalidf("End reprocessing timestamp [%s] cannot be less than start reprocessing timestamp [%s].", pyTime(end), pyTime(start))
	}
	if w := alignedWindow(start, end, period); w != nil {
		return invalidf("The provided reprocess time window does not comply with the configured collector period. A valid time window near the provided one is %s", pyList(w))
	}
	if len(ids) == 1 && ids[0] == All {
		ids = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	targets := s.list(Filter{IDs: ids, Active: []bool{true}, Visible: visible})
	var unknown []string
	for _, id := range ids {
		if !slices.ContainsFunc(targets, func(sc Scope) bool { return sc.ID == id }) {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return invalidf("Scopes %s scheduled to reprocess [start=%s, end=%s] do not exist.", pyList(unknown), pyTime(start), pyTime(end))
	}
	for _, sc := range targets {
		last := "None"
		if sc.LastProcessed != nil {
			last = pyTime(*sc.LastProcessed)
		}
		if sc.LastProcessed == nil || start.After(*sc.LastProcessed) {
			return invalidf("Cannot execute a reprocessing [start=%s] for scope [%s] starting after the last possible timestamp [%s].", pyTime(start), pyScope(sc), last)
		}
		if end.After(*sc.LastProcessed) {
			return invalidf("Cannot execute a reprocessing [end=%s] for scope [%s] ending after the last possible timestamp [%s].", pyTime(end), pyScope(sc), last)
		}
	}
	for _, sc := range targets {
		for _, t := range s.tasks {
			// Upstream's DateTimeRange intersection counts shared
			// endpoints as an overlap.
			if t.ScopeID == sc.ID && !t.Finished() && !start.After(t.End) && !t.Start.After(end) {
				return invalidf("Cannot schedule a reprocessing for scope [%s] for reprocessing time [%s], because it already has a schedule for a similar time range [%s].", pyScope(sc), pyRange(start, end), pyRange(t.Start, t.End))
			}
		}
	}
	docs := map[string][]byte{}
	var added []Task
	seq := s.seq
	for _, sc := range targets {
		seq++
		t := Task{ID: seq, ScopeID: sc.ID, Reason: reason, Start: start, End: end}
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("saving reprocessing task: %w", err)
		}
		docs[taskName(t.ID)] = body
		added = append(added, t)
	}
	if len(docs) == 0 {
		return nil
	}
	// One transaction: a request schedules all its scopes or none.
	if err := s.docs.PutDocuments(ctx, taskKind, docs); err != nil {
		return fmt.Errorf("saving reprocessing tasks: %w", err)
	}
	s.seq = seq
	s.tasks = append(s.tasks, added...)
	return nil
}

// taskName is a task's document name, sortable by creation order.
func taskName(id int64) string { return fmt.Sprintf("%012d", id) }

// TaskFilter selects tasks to list.
type TaskFilter struct {
	ScopeIDs []string
	// Desc lists the newest first (upstream's default order).
	Desc    bool
	Visible func(scopeID string) bool
}

// Tasks lists tasks, finished ones included, by creation order.
func (s *Store) Tasks(f TaskFilter) []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Task
	for _, t := range s.tasks {
		if (len(f.ScopeIDs) == 0 || slices.Contains(f.ScopeIDs, t.ScopeID)) && (f.Visible == nil || f.Visible(t.ScopeID)) {
			out = append(out, t)
		}
	}
	if f.Desc {
		slices.Reverse(out)
	}
	return out
}

// Pending returns the unfinished tasks, oldest first.
func (s *Store) Pending() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Task
	for _, t := range s.tasks {
		if !t.Finished() {
			out = append(out, t)
		}
	}
	return out
}

// Advance records that the task's period starting at current was
// rewritten.
func (s *Store) Advance(ctx context.Context, id int64, current time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.tasks, func(t Task) bool { return t.ID == id })
	if i < 0 {
		return notFoundf("no reprocessing task %d", id)
	}
	t := s.tasks[i]
	c := current.UTC()
	t.Current = &c
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("saving reprocessing task %d: %w", id, err)
	}
	if err := s.docs.PutDocument(ctx, taskKind, taskName(id), body); err != nil {
		return fmt.Errorf("saving reprocessing task %d: %w", id, err)
	}
	s.tasks[i] = t
	return nil
}

// alignedWindow returns upstream's suggestion, the nearest window whose
// ends fall on period boundaries (counted from the Unix epoch), or nil
// when the window is aligned.
func alignedWindow(start, end time.Time, period time.Duration) []string {
	over := func(t time.Time) time.Duration {
		return time.Duration(t.Unix()%int64(period/time.Second)) * time.Second
	}
	if over(start) == 0 && over(end) == 0 && start.Nanosecond() == 0 && end.Nanosecond() == 0 {
		return nil
	}
	vs, ve := start.Add(-over(start)).Truncate(time.Second), end.Add(-over(end)).Truncate(time.Second)
	if vs.Equal(ve) {
		ve = ve.Add(period)
	}
	return []string{pyTime(vs), pyTime(ve)}
}

// The Python spellings upstream's messages are made of.

// pyTime is str() of an aware UTC datetime: "2024-01-01 00:00:00+00:00".
func pyTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05-07:00") }

// pyList is str() of a list of strings: "['a', 'b']".
func pyList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + x + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// pyScope is str() of upstream's scope row: its id, identifier and
// active flag.
func pyScope(sc Scope) string {
	active := "False"
	if sc.Active {
		active = "True"
	}
	return fmt.Sprintf("{'id': %d, 'identifier': '%s', 'active': %s}", sc.Seq, sc.ID, active)
}

// pyRange is str() of a DateTimeRange: "start - end" in its ISO form.
func pyRange(a, b time.Time) string {
	const l = "2006-01-02T15:04:05-0700"
	return a.UTC().Format(l) + " - " + b.UTC().Format(l)
}
