package addressbook

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []Contact
	}{
		{"vCard 3", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张三\r\nN:张;三;;;\r\nTEL;TYPE=CELL:+86 138 0013 8000\r\nTEL;TYPE=HOME:010-1234 5678\r\nEMAIL;TYPE=INTERNET:zhang@example.com\r\nEND:VCARD\r\n",
			[]Contact{{Name: "张三", Phones: []string{"+86 138 0013 8000", "010-1234 5678"}, Emails: []string{"zhang@example.com"}}}},
		{"vCard 4, folded, grouped, tel URI, no FN", "BEGIN:VCARD\nVERSION:4.0\nN:Smith;Ann;;;\nitem1.TEL;VALUE=uri;TYPE=cell:tel:+1-415-555-01\n 00\nEND:VCARD\nBEGIN:VCARD\nVERSION:4.0\nN:王;芳;;;\nEMAIL:wf@example.com\nEND:VCARD\n",
			[]Contact{{Name: "Ann Smith", Phones: []string{"+1-415-555-0100"}}, {Name: "王芳", Emails: []string{"wf@example.com"}}}},
		{"escapes, and a contact with nothing usable dropped", "BEGIN:VCARD\nFN:Doe\\, John\nTEL:13800138000\nEND:VCARD\nBEGIN:VCARD\nFN:Nobody\nTEL:n/a\nEND:VCARD\n",
			[]Contact{{Name: "Doe, John", Phones: []string{"13800138000"}}}},
		{"CSV with a header", "姓名,手机,邮箱\n李四,139 0013 9000 / 13700137000,li@example.com\n,, \n",
			[]Contact{{Name: "李四", Phones: []string{"139 0013 9000", "13700137000"}, Emails: []string{"li@example.com"}}}},
		{"CSV, English header in another order", "\ufeffEmail,Name,Mobile Phone\nann@example.com,Ann,+44 7700 900123\n",
			[]Contact{{Name: "Ann", Phones: []string{"+44 7700 900123"}, Emails: []string{"ann@example.com"}}}},
		{"CSV without a header", "Bob,13800138000,bob@example.com\n",
			[]Contact{{Name: "Bob", Phones: []string{"13800138000"}, Emails: []string{"bob@example.com"}}}},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	many := strings.Repeat("BEGIN:VCARD\nTEL:13800138000\nEND:VCARD\n", MaxContacts+1)
	manyCSV := "name,phone\n" + strings.Repeat("x,13800138000\n", MaxContacts+1)
	for _, tc := range []struct {
		name string
		in   []byte
		want hongyan.Code
	}{
		{"too big", bytes.Repeat([]byte("a"), MaxFileBytes+1), hongyan.CodeTooLarge},
		{"too many vCards", []byte(many), hongyan.CodeTooLarge},
		{"too many CSV rows", []byte(manyCSV), hongyan.CodeTooLarge},
		{"not UTF-8", []byte("name,phone\n\xff\xfe,1\n"), hongyan.CodeInvalid},
		{"a line too long", []byte("BEGIN:VCARD\nFN:" + strings.Repeat("x", maxLineBytes+1) + "\nEND:VCARD\n"), hongyan.CodeInvalid},
	} {
		if _, err := Parse(tc.in); hongyan.ErrorCode(err) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, err, tc.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"+86 138-0013-8000": "+8613800138000",
		"0086 13800138000":  "+8613800138000",
		"(010) 1234.5678":   "01012345678",
		" 13800138000 ":     "13800138000",
		"1234":              "",
		"1234567890123456":  "",
		"138+0013":          "",
		"13800138000x1":     "",
		"":                  "",
	} {
		if got := NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q): got %q, want %q", in, got, want)
		}
	}
}

// What WriteVCard and WriteCSV write, Parse reads back the same.
func TestRoundTrip(t *testing.T) {
	cs := []Contact{
		{Name: "Doe, John; Jr", Phones: []string{"+1 415 555 0100", "13800138000"}, Emails: []string{"john@example.com"}},
		{Name: "张三", Phones: []string{"13900139000"}},
	}
	for name, write := range map[string]func(*bytes.Buffer, []Contact) error{
		"vCard": func(b *bytes.Buffer, cs []Contact) error { return WriteVCard(b, cs) },
		"CSV":   func(b *bytes.Buffer, cs []Contact) error { return WriteCSV(b, cs) },
	} {
		var b bytes.Buffer
		if err := write(&b, cs); err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(cs, got); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", name, diff)
		}
	}
}

func TestCSVFormula(t *testing.T) {
	var b bytes.Buffer
	WriteCSV(&b, []Contact{{Name: "=HYPERLINK(\"x\")", Phones: []string{"13800138000"}}})
	if strings.Contains(b.String(), "\n=") || strings.Contains(b.String(), ",=") {
		t.Errorf("WriteCSV left a formula: %q", b.String())
	}
}

// FuzzParse: whatever a file holds, Parse returns quickly, bounded, and
// only contacts that Check accepts.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"BEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL:+86 138 0013 8000\nEMAIL:a@b.c\nEND:VCARD\n",
		"BEGIN:VCARD\nN:;;\nitem1.TEL:tel:12345\n \nEND:VCARD",
		"name,phone,email\nA,13800138000,a@b.c\n",
		"\"a\nb\",\"1\"\"2\",x\n",
		"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := Parse(data)
		if err != nil {
			if hongyan.ErrorCode(err) == hongyan.CodeInternal {
				t.Fatalf("Parse: an internal error: %v", err)
			}
			return
		}
		if len(cs) > MaxContacts {
			t.Fatalf("Parse: %d contacts, over the limit", len(cs))
		}
		if err := Check(cs); err != nil {
			t.Fatalf("Parse returned contacts that Check refuses: %v", err)
		}
		var b bytes.Buffer
		if err := WriteVCard(&b, cs); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(b.Bytes())
		if err != nil || len(again) != len(cs) {
			t.Fatalf("Parse of WriteVCard's output: got %d contacts, %v; want %d", len(again), err, len(cs))
		}
	})
}
