package cli_test

import "testing"

// Reports, my penalties and appeals, as the scriptable surface names them.
func TestCLIReport(t *testing.T) {
	server := startNode(t)
	ann, ben := newDevice(t, server, "ann"), newDevice(t, server, "ben")
	one[session](ann, "register", "cli_ann", "password-a")
	one[session](ben, "register", "cli_ben", "password-b")

	r := one[struct {
		Report int64 `json:"report"`
	}](ann, "report", "user", "cli_ben", "--reason", "发广告")
	if r.Report <= 0 {
		t.Errorf("report user by account ID: got id %d", r.Report)
	}
	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"report", "user", "cli_ben"}, "usage"},
		{[]string{"report", "planet", "1", "--reason", "x"}, "usage"},
		{[]string{"report", "user", "nobody_here", "--reason", "x"}, "not_found"},
		{[]string{"report", "message", "1:1", "--reason", "x"}, "not_found"},
		{[]string{"report", "group", "12345", "--reason", "x"}, "not_found"},
		{[]string{"report", "user", "cli_ann", "--reason", "x"}, "invalid_argument"},
		{[]string{"appeal", "1", "please"}, "not_found"},
		{[]string{"appeal", "x", "please"}, "usage"},
	} {
		if _, code := ann.fail(c.args...); code != c.code {
			t.Errorf("%v: got %q, want %q", c.args, code, c.code)
		}
	}
	if lines := ann.ok("penalties"); len(lines) != 0 {
		t.Errorf("penalties of a user without any: got %v", lines)
	}
}
