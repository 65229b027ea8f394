package cost

import "testing"

func TestStoredProvider(t *testing.T) {
	f := func(in, want string, wantOK bool) {
		t.Helper()
		got, ok := StoredProvider(in)
		if got != want || ok != wantOK {
			t.Errorf("StoredProvider(%q) = %q, %v; want %q, %v", in, got, ok, want, wantOK)
		}
	}
	f("AWS", ProviderAWS, true)
	f(" aws ", ProviderAWS, true)
	f("Amazon Web Services, Inc.", ProviderAWS, true)
	f("Microsoft", ProviderMicrosoft, true)
	f("azure", ProviderMicrosoft, true)
	f("Microsoft Azure", ProviderMicrosoft, true)
	f("Google Cloud", ProviderGoogle, true)
	f("GCP", ProviderGoogle, true)
	f("google cloud platform", ProviderGoogle, true)
	f("Oracle", "", false)
	f("", "", false)
	f("amazonian", "", false)
}
