package native

import (
	"net/http"
	"time"

	"github.com/tally-cost/tally/internal/api/apierr"
	"github.com/tally-cost/tally/internal/tenant"
)

type orgJSON struct {
	ID          int64               `json:"id"`
	ParentID    *int64              `json:"parentId"`
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Default     bool                `json:"default"`
	FlexOrg     bool                `json:"flexOrg"`
	Accounts    map[string][]string `json:"accounts"`
	CreatedAt   time.Time           `json:"createdAt"`
	UpdatedAt   time.Time           `json:"updatedAt"`
}

func orgOut(o tenant.Org) orgJSON {
	acc := map[string][]string{}
	for _, k := range tenant.AccountKinds {
		acc[string(k)] = append([]string{}, o.Accounts[k]...)
	}
	return orgJSON{ID: o.ID, ParentID: optID(o.ParentID), Name: o.Name, Description: o.Description, Default: o.Default,
		FlexOrg: o.Flex(), Accounts: acc, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

func (a *API) listOrgs(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	orgs := a.tenants.Orgs(p)
	out := make([]orgJSON, len(orgs))
	for i, o := range orgs {
		out[i] = orgOut(o)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) getOrg(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "organization")
	if err != nil {
		return nil, err
	}
	o, err := a.tenants.Org(p, id)
	if err != nil {
		return nil, err
	}
	return orgOut(o), nil
}

func (a *API) createOrg(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		ParentID    int64  `json:"parentId"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	o, err := a.tenants.CreateOrg(r.Context(), p, tenant.OrgSpec{Name: in.Name, Description: in.Description, ParentID: in.ParentID})
	if err != nil {
		return nil, err
	}
	return created{orgOut(o)}, nil
}

func (a *API) updateOrg(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "organization")
	if err != nil {
		return nil, err
	}
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	o, err := a.tenants.UpdateOrg(r.Context(), p, id, in.Name, in.Description)
	if err != nil {
		return nil, err
	}
	return orgOut(o), nil
}

func (a *API) deleteOrg(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "organization")
	if err != nil {
		return nil, err
	}
	return noContent{}, a.tenants.DeleteOrg(r.Context(), p, id)
}

// assignMode reads CloudHealth's convention: PUT replaces; PATCH takes
// "accounts": "add" or "remove".
func assignMode(r *http.Request, accounts string) (tenant.AssignMode, error) {
	if r.Method == http.MethodPut {
		if accounts != "" {
			return "", apierr.New(http.StatusBadRequest, `accounts: PUT replaces the lists; use PATCH with "accounts": "add" or "remove"`)
		}
		return tenant.AssignReplace, nil
	}
	switch accounts {
	case "add":
		return tenant.AssignAdd, nil
	case "remove":
		return tenant.AssignRemove, nil
	}
	return "", apierr.New(http.StatusBadRequest, `accounts: PATCH needs "accounts": "add" or "remove"`)
}

func (a *API) orgAccounts(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "organization")
	if err != nil {
		return nil, err
	}
	var in struct {
		Accounts           string   `json:"accounts"`
		AWSAccounts        []string `json:"aws_accounts"`
		AzureSubscriptions []string `json:"azure_subscriptions"`
		GCPProjects        []string `json:"gcp_compute_projects"`
		DataCenterAccounts []string `json:"data_center_accounts"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	mode, err := assignMode(r, in.Accounts)
	if err != nil {
		return nil, err
	}
	acc := tenant.Accounts{tenant.AWSAccounts: in.AWSAccounts, tenant.AzureSubscriptions: in.AzureSubscriptions,
		tenant.GCPProjects: in.GCPProjects, tenant.DataCenterAccounts: in.DataCenterAccounts}
	o, err := a.tenants.SetOrgAccounts(r.Context(), p, id, mode, acc)
	if err != nil {
		return nil, err
	}
	return orgOut(o), nil
}

type customerJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Accounts  []string  `json:"accounts"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func customerOut(c tenant.Customer) customerJSON {
	return customerJSON{ID: c.ID, Name: c.Name, Accounts: append([]string{}, c.Accounts...), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func (a *API) listCustomers(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	cs := a.tenants.Customers(p)
	out := make([]customerJSON, len(cs))
	for i, c := range cs {
		out[i] = customerOut(c)
	}
	return map[string]any{"data": out}, nil
}

func (a *API) getCustomer(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "customer")
	if err != nil {
		return nil, err
	}
	c, err := a.tenants.Customer(p, id)
	if err != nil {
		return nil, err
	}
	return customerOut(c), nil
}

func (a *API) createCustomer(r *http.Request) (any, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	c, err := a.tenants.CreateCustomer(r.Context(), p, in.Name)
	if err != nil {
		return nil, err
	}
	return created{customerOut(c)}, nil
}

func (a *API) renameCustomer(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "customer")
	if err != nil {
		return nil, err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	c, err := a.tenants.RenameCustomer(r.Context(), p, id, in.Name)
	if err != nil {
		return nil, err
	}
	return customerOut(c), nil
}

func (a *API) deleteCustomer(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "customer")
	if err != nil {
		return nil, err
	}
	return noContent{}, a.tenants.DeleteCustomer(r.Context(), p, id)
}

func (a *API) customerAccounts(r *http.Request) (any, error) {
	p, id, err := principalAndID(r, "customer")
	if err != nil {
		return nil, err
	}
	var in struct {
		Accounts string   `json:"accounts"`
		IDs      []string `json:"ids"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	mode, err := assignMode(r, in.Accounts)
	if err != nil {
		return nil, err
	}
	c, err := a.tenants.SetCustomerAccounts(r.Context(), p, id, mode, in.IDs)
	if err != nil {
		return nil, err
	}
	return customerOut(c), nil
}
