package hongyan

import "testing"

func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"1.2.3.4:5678":               "1.2.3.4",
		"1.2.3.4":                    "1.2.3.4",
		"[::ffff:1.2.3.4]:80":        "1.2.3.4",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":       "2001:db8:1:2::/64",
		"[2001:db8:1:2::1]":          "2001:db8:1:2::/64",
		"[fe80::1%eth0]:1":           "fe80::/64",
		"pipe":                       "pipe",
		"":                           "",
	} {
		if got := AddressKey(addr); got != want {
			t.Errorf("AddressKey(%q): got %q, want %q", addr, got, want)
		}
	}
}
