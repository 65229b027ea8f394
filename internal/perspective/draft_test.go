package perspective

import (
	"errors"
	"strings"
	"testing"
)

// TestDraft: a draft is validated as Create validates (the same
// messages), has its Other group and the static groups its rules create
// (named Group-1, … when no constant names them, as upstream does),
// and compiles to a mapping.
func TestDraft(t *testing.T) {
	for _, c := range []struct{ name, body, err string }{
		{"blank name", `{"schema":{"name":" "}}`, "Name can't be blank"},
		{"filter without condition", `{"schema":{"name":"x","rules":[{"type":"filter","to":"a"}]}}`, `rules[0]: a filter rule needs a condition`},
		{"categorize without field", `{"schema":{"name":"x","rules":[{"type":"categorize","name":"b"}]}}`, `a categorize rule needs one of field or tag_field`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Draft(parseSchema(t, c.body))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Draft: %v, want %q", err, c.err)
			}
		})
	}
	body := `{"schema":{"name":"Compute","rules":[{"type":"filter","to":"EC2","condition":{"clauses":[{"field":["service"],"op":"=","val":"AmazonEC2"}]}}]}}`
	p, err := Draft(parseSchema(t, body))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range p.Schema.Constants {
		for _, g := range c.List {
			names = append(names, g.Name)
		}
	}
	if strings.Join(names, ",") != "Group-1,Other" || !p.Active {
		t.Errorf("draft groups %v, active %v", names, p.Active)
	}
	if _, err := p.Mapping(DimensionByName); err != nil {
		t.Errorf("draft mapping: %v", err)
	}
}
