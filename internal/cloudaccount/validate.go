package cloudaccount

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/textcheck"
)

// ownerIDPattern is an AWS account id.
var ownerIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// apply validates in against r (the account being created or changed)
// and writes it into r, sealing credentials; every problem is reported
// at once, as upstream lists them. s.mu is held.
func (s *Service) apply(ctx context.Context, p *tenant.Principal, r *record, in Input, create bool) error {
	var problems []string
	if in.Name != nil || create {
		var name string
		if in.Name != nil {
			name = *in.Name
		}
		n, err := textcheck.Name("Name", name)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case s.taken(r.ID, func(o *record) bool { return o.Name == n }):
			problems = append(problems, "Name has already been taken")
		default:
			r.Name = n
		}
	}
	if in.OwnerID != nil {
		o := strings.TrimSpace(*in.OwnerID)
		switch {
		case o != "" && !ownerIDPattern.MatchString(o):
			problems = append(problems, "Owner id must be a 12-digit AWS account id")
		case o != "" && s.taken(r.ID, func(x *record) bool { return x.OwnerID == o }):
			problems = append(problems, "Owner id has already been taken")
		default:
			r.OwnerID = o
		}
	}
	if in.Region != nil {
		switch *in.Region {
		case "global", "govcloud":
			r.Region = *in.Region
		default:
			problems = append(problems, "Region is not included in the list")
		}
	}
	if in.Tags != nil {
		tags := make([]Tag, 0, len(*in.Tags))
		for i, t := range *in.Tags {
			k, err := textcheck.Name(fmt.Sprintf("Tags[%d] key", i), t.Key)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			v, err := textcheck.OptionalName(fmt.Sprintf("Tags[%d] value", i), t.Value)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			tags = append(tags, Tag{Key: k, Value: v})
		}
		r.Tags = tags
	}
	if in.Auth != nil {
		ps, err := s.applyAuth(ctx, p, r, *in.Auth)
		if err != nil {
			return err
		}
		problems = append(problems, ps...)
	}
	if len(problems) > 0 {
		return &InvalidError{Problems: problems}
	}
	return nil
}

// taken reports whether an account other than id matches.
func (s *Service) taken(id int64, match func(*record) bool) bool {
	for _, o := range s.doc.Accounts {
		if o.ID != id && match(o) {
			return true
		}
	}
	return false
}

// applyAuth validates and stores the authentication. The texts are
// upstream's (" access key can't be blank", with its leading space). A
// secret key left out keeps the stored one while the access key stays:
// it is never given back, so a client that PUTs what it read cannot
// send it. The External ID must be the customer's generated one
// (upstream: "You cannot generate and specify your own External ID");
// left out, it is that one.
func (s *Service) applyAuth(ctx context.Context, p *tenant.Principal, r *record, a Auth) ([]string, error) {
	var problems []string
	switch a.Protocol {
	case ProtocolAccessKey:
		ak := strings.TrimSpace(a.AccessKey)
		if ak == "" {
			problems = append(problems, " access key can't be blank")
		}
		keep := a.SecretKey == "" && r.Protocol == ProtocolAccessKey && r.AccessKey == ak && r.SecretKey != ""
		if a.SecretKey == "" && !keep {
			problems = append(problems, " secret key can't be blank")
		}
		if len(problems) > 0 {
			return problems, nil
		}
		if !keep {
			sealed, err := s.seal(a.SecretKey, secretKeyContext(r.ID))
			if err != nil {
				return nil, err
			}
			r.SecretKey = sealed
		}
		r.Protocol, r.AccessKey, r.AssumeRoleARN, r.ExternalID = ProtocolAccessKey, ak, "", ""
	case ProtocolAssumeRole:
		arn := strings.TrimSpace(a.AssumeRoleARN)
		switch {
		case arn == "":
			problems = append(problems, " assume role arn can't be blank")
		case !strings.HasPrefix(arn, "arn:"):
			problems = append(problems, " assume role arn is invalid")
		}
		generated, err := s.externalID(ctx, customerKey(p))
		if err != nil {
			return nil, err
		}
		if x := strings.TrimSpace(a.AssumeRoleExternalID); x != "" && x != generated {
			problems = append(problems, " assume role external id must be the External ID generated for you (GET /v1/aws_accounts/:id/generate_external_id)")
		}
		if len(problems) > 0 {
			return problems, nil
		}
		sealed, err := s.seal(generated, externalIDContext(r.ID))
		if err != nil {
			return nil, err
		}
		r.Protocol, r.AssumeRoleARN, r.ExternalID, r.AccessKey, r.SecretKey = ProtocolAssumeRole, arn, sealed, "", ""
	case "":
		problems = append(problems, "Authentication protocol can't be blank")
	default:
		problems = append(problems, "Authentication protocol is not included in the list")
	}
	return problems, nil
}
