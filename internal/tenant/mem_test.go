package tenant_test

import (
	"testing"

	"github.com/tally-cost/tally/internal/tenant"
	"github.com/tally-cost/tally/internal/tenant/tenanttest"
)

func TestMemRepoConformance(t *testing.T) { tenanttest.Run(t, &tenant.MemRepo{}) }
