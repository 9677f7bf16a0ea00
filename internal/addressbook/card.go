package addressbook

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Limits of an address book file and of its contacts.
const (
	MaxFileBytes   = 4 << 20 // a vCard or CSV file
	MaxContacts    = 5000    // contacts in one backup or file
	MaxPhones      = 10      // numbers of one contact
	MaxEmails      = 10      // e-mail addresses of one contact
	MaxName        = 100     // characters of a name
	MaxPhoneLength = 32      // bytes of a number as written
	MaxEmailLength = 254
	maxLineBytes   = 64 << 10 // one (unfolded) vCard line or CSV record
)

// Parse reads an address book file: vCard (versions 2.1, 3.0 and 4.0) when
// it starts with BEGIN:VCARD, CSV otherwise. It refuses files over
// MaxFileBytes or with more than MaxContacts contacts, and drops contacts
// with neither a phone number nor an e-mail address; what it returns
// passes Check.
func Parse(data []byte) ([]Contact, error) {
	if len(data) > MaxFileBytes {
		return nil, hongyan.Errorf(hongyan.CodeTooLarge, "an address book file must be at most %d bytes", MaxFileBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "the file is not UTF-8 text")
	}
	head := strings.ToUpper(strings.TrimSpace(string(data[:min(len(data), 64)])))
	var cs []Contact
	var err error
	if strings.HasPrefix(head, "BEGIN:VCARD") {
		cs, err = parseVCard(data)
	} else {
		cs, err = parseCSV(data)
	}
	if err != nil {
		return nil, err
	}
	out := cs[:0]
	for _, c := range cs {
		if c = clean(c); len(c.Phones) > 0 || len(c.Emails) > 0 {
			out = append(out, c)
		}
	}
	if err := Check(out); err != nil {
		return nil, err
	}
	return out, nil
}

var errTooMany = hongyan.Errorf(hongyan.CodeTooLarge, "an address book may hold at most %d contacts", MaxContacts)

// parseVCard reads vCards: unfolds lines, takes FN (or N), TEL and EMAIL.
func parseVCard(data []byte) ([]Contact, error) {
	var out []Contact
	var cur *Contact
	var n string // the N property, used when there is no FN
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxLineBytes)
	var lines []string
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			if len(lines[len(lines)-1])+len(l) > maxLineBytes {
				return nil, hongyan.Errorf(hongyan.CodeTooLarge, "a vCard line is too long")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "a vCard line is too long")
	}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		params := strings.Split(name, ";")
		prop := strings.ToUpper(params[0])
		if i := strings.LastIndexByte(prop, '.'); i >= 0 { // item1.TEL
			prop = prop[i+1:]
		}
		switch prop {
		case "BEGIN":
			if strings.EqualFold(value, "VCARD") {
				if len(out) >= MaxContacts {
					return nil, errTooMany
				}
				cur, n = &Contact{}, ""
			}
		case "END":
			if cur != nil && strings.EqualFold(value, "VCARD") {
				if cur.Name == "" && n != "" {
					cur.Name = nameFromN(n)
				}
				out = append(out, *cur)
				cur = nil
			}
		case "FN":
			if cur != nil {
				cur.Name = unescape(value)
			}
		case "N":
			n = value
		case "TEL":
			if cur != nil && len(cur.Phones) < MaxPhones {
				cur.Phones = append(cur.Phones, strings.TrimPrefix(strings.TrimPrefix(value, "tel:"), "TEL:"))
			}
		case "EMAIL":
			if cur != nil && len(cur.Emails) < MaxEmails {
				cur.Emails = append(cur.Emails, unescape(value))
			}
		}
	}
	return out, nil
}

// nameFromN makes a name of an N property (family;given;additional;…):
// given name then family name, or family name then given name for names
// written in Han characters.
func nameFromN(n string) string {
	parts := strings.Split(n, ";")
	for len(parts) < 2 {
		parts = append(parts, "")
	}
	fam, given := unescape(parts[0]), unescape(parts[1])
	for _, r := range fam + given {
		if unicode.Is(unicode.Han, r) {
			return fam + given
		}
	}
	return strings.TrimSpace(given + " " + fam)
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	r := strings.NewReplacer(`\,`, ",", `\;`, ";", `\n`, " ", `\N`, " ", `\\`, `\`)
	return r.Replace(s)
}

// parseCSV reads a CSV file with a header: the columns whose names hold
// "name" (or 姓名), "phone", "mobile", "tel" (or 电话, 手机) and
// "mail" (or 邮箱) are taken; without a header it reads name, phone,
// e-mail in that order.
func parseCSV(data []byte) ([]Contact, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	var nameCol = -1
	var phoneCols, emailCols []int
	first := true
	var out []Contact
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "not a CSV file: %v", err)
		}
		if first {
			first = false
			for i, h := range rec {
				h = strings.ToLower(strings.TrimSpace(h))
				switch {
				case strings.Contains(h, "mail") || strings.Contains(h, "邮箱"):
					emailCols = append(emailCols, i)
				case strings.Contains(h, "phone") || strings.Contains(h, "mobile") || strings.Contains(h, "tel") ||
					strings.Contains(h, "电话") || strings.Contains(h, "手机"):
					phoneCols = append(phoneCols, i)
				case nameCol < 0 && (strings.Contains(h, "name") || strings.Contains(h, "姓名") || h == "名字"):
					nameCol = i
				}
			}
			if nameCol >= 0 || len(phoneCols) > 0 || len(emailCols) > 0 {
				continue
			}
			nameCol, phoneCols, emailCols = 0, []int{1}, []int{2}
		}
		if len(out) >= MaxContacts {
			return nil, errTooMany
		}
		var c Contact
		if nameCol >= 0 && nameCol < len(rec) {
			c.Name = rec[nameCol]
		}
		c.Phones = cells(rec, phoneCols, MaxPhones)
		c.Emails = cells(rec, emailCols, MaxEmails)
		out = append(out, c)
	}
	return out, nil
}

// cells returns up to max values of the columns cols of rec, each cell
// split at "/" and ";" (how several numbers share a cell).
func cells(rec []string, cols []int, max int) []string {
	var out []string
	for _, i := range cols {
		if i >= len(rec) {
			continue
		}
		for _, v := range strings.FieldsFunc(rec[i], func(r rune) bool { return r == '/' || r == ';' }) {
			if len(out) == max {
				return out
			}
			out = append(out, v)
		}
	}
	return out
}

// clean trims a parsed contact: drops empty and unusable numbers and
// addresses (those Check would refuse) and cuts the name to MaxName
// characters without control characters.
func clean(c Contact) Contact {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, strings.TrimSpace(c.Name))
	if utf8.RuneCountInString(name) > MaxName {
		name = string([]rune(name)[:MaxName])
	}
	out := Contact{Name: name}
	for _, p := range c.Phones {
		p = strings.TrimSpace(p)
		if len(p) <= MaxPhoneLength && NormalizePhone(p) != "" && validText(p) {
			out.Phones = append(out.Phones, p)
		}
	}
	for _, e := range c.Emails {
		e = strings.TrimSpace(strings.TrimPrefix(e, "mailto:"))
		if validEmail(e) {
			out.Emails = append(out.Emails, e)
		}
	}
	return out
}

func validText(s string) bool { return hongyan.ValidText("", s, 1<<20) == nil }

func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return e != "" && len(e) <= MaxEmailLength && at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t,;<>\"") && validText(e)
}

// Check validates contacts as a client sends them.
func Check(cs []Contact) error {
	if len(cs) > MaxContacts {
		return errTooMany
	}
	for i, c := range cs {
		if err := hongyan.ValidText("name", c.Name, MaxName); err != nil {
			return hongyan.Errorf(hongyan.CodeInvalid, "contact %d: %s", i+1, hongyan.ErrorMessage(err))
		}
		if len(c.Phones) > MaxPhones || len(c.Emails) > MaxEmails {
			return hongyan.Errorf(hongyan.CodeInvalid, "contact %d: at most %d numbers and %d e-mail addresses", i+1, MaxPhones, MaxEmails)
		}
		if len(c.Phones) == 0 && len(c.Emails) == 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "contact %d has neither a phone number nor an e-mail address", i+1)
		}
		for _, p := range c.Phones {
			if len(p) > MaxPhoneLength || NormalizePhone(p) == "" || !validText(p) {
				return hongyan.Errorf(hongyan.CodeInvalid, "contact %d: %q is not a phone number", i+1, p)
			}
		}
		for _, e := range c.Emails {
			if !validEmail(e) {
				return hongyan.Errorf(hongyan.CodeInvalid, "contact %d: %q is not an e-mail address", i+1, e)
			}
		}
	}
	return nil
}

// NormalizePhone returns a phone number as digits with an optional leading
// "+" (a leading "00" becomes "+"), dropping spaces, dashes, dots and
// parentheses; "" when what is left is not 5 to 15 digits.
func NormalizePhone(p string) string {
	p = strings.TrimSpace(p)
	var b strings.Builder
	for i, r := range p {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return ""
		}
	}
	s := b.String()
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	d := strings.TrimPrefix(s, "+")
	if len(d) < 5 || len(d) > 15 {
		return ""
	}
	return s
}

// WriteVCard writes contacts as vCard 3.0.
func WriteVCard(w io.Writer, cs []Contact) error {
	bw := bufio.NewWriter(w)
	esc := strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`)
	for _, c := range cs {
		fmt.Fprintf(bw, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s\r\nN:%s;;;;\r\n", esc.Replace(c.Name), esc.Replace(c.Name))
		for _, p := range c.Phones {
			fmt.Fprintf(bw, "TEL;TYPE=CELL:%s\r\n", esc.Replace(p))
		}
		for _, e := range c.Emails {
			fmt.Fprintf(bw, "EMAIL:%s\r\n", esc.Replace(e))
		}
		bw.WriteString("END:VCARD\r\n")
	}
	return bw.Flush()
}

// WriteCSV writes contacts as CSV with the header name,phone,email; a
// contact's several numbers or addresses are joined by " / ".
func WriteCSV(w io.Writer, cs []Contact) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"name", "phone", "email"})
	for _, c := range cs {
		cw.Write([]string{csvSafe(c.Name), strings.Join(c.Phones, " / "), csvSafe(strings.Join(c.Emails, " / "))})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a field as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
