package tenant

import (
	"fmt"

	"github.com/tally-cost/tally/internal/textcheck"
)

// The checks of every name, description and account id a client stores
// here. The rules (length, UTF-8, control characters) are package
// textcheck's, shared with the registry and the pipeline; these wrap its
// refusal in ErrInvalid so that every dialect answers 400 naming the
// field.

func checkName(field, s string) (string, error) {
	return invalid(textcheck.Name(field, s))
}

func checkOptionalName(field, s string) (string, error) {
	return invalid(textcheck.OptionalName(field, s))
}

func checkDescription(field, s string) (string, error) {
	return invalid(textcheck.Description(field, s))
}

func checkAccountID(field, s string) error {
	_, err := invalid(s, textcheck.ID(field, s))
	return err
}

func invalid(s string, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return s, nil
}

// checked returns spec with its name and description checked and
// trimmed.
func (spec OrgSpec) checked() (OrgSpec, error) {
	var err error
	if spec.Name, err = checkName("name", spec.Name); err != nil {
		return OrgSpec{}, err
	}
	if spec.Description, err = checkDescription("description", spec.Description); err != nil {
		return OrgSpec{}, err
	}
	return spec, nil
}
