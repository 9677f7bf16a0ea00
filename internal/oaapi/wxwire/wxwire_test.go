package wxwire

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/silenceper/wechat/v2/util"
)

const (
	testKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAppID = "wx0123456789abcdef"
)

func TestSignature(t *testing.T) {
	// sha1("123abctoken"): the parts sorted, then joined.
	if got, want := Signature("token", "123", "abc"), "84501b652458690801074dc0b44e9822dfb63245"; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	if got, want := Signature("token", "123", "abc"), util.Signature("token", "123", "abc"); got != want {
		t.Errorf("Signature = %s, want %s (silenceper)", got, want)
	}
	if got, want := Signature("abc", "token", "123"), Signature("token", "123", "abc"); got != want {
		t.Errorf("order matters: %s != %s", got, want)
	}
	if !VerifySignature(strings.ToUpper(Signature("a", "b")), "b", "a") {
		t.Error("VerifySignature rejects an upper-case signature of the same parts")
	}
	if VerifySignature(Signature("a", "b"), "a", "c") {
		t.Error("VerifySignature accepts the signature of other parts")
	}
}

func TestValidKey(t *testing.T) {
	for k, want := range map[string]bool{
		testKey:                 true,
		testKey[:42]:            false,
		testKey + "A":           false,
		testKey[:42] + "+":      false,
		testKey[:42] + "=":      false,
		"":                      false,
		strings.Repeat("A", 43): true,
	} {
		if got := ValidKey(k); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", k, got, want)
		}
	}
}

// Every pad length 1…32 is hit by messages of length 1…40, and each
// ciphertext opens with silenceper's implementation (and the reverse).
func TestCipherInterop(t *testing.T) {
	c, err := NewCipher(testKey, testAppID)
	if err != nil {
		t.Fatal(err)
	}
	pads := map[int]bool{}
	for n := 0; n <= 64; n++ {
		msg := bytes.Repeat([]byte{'x'}, n)
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(enc)
		if len(raw)%32 != 0 {
			t.Fatalf("len %d: ciphertext of %d bytes, want a multiple of 32", n, len(raw))
		}
		pads[len(raw)-(20+n+len(testAppID))] = true
		_, got, err := util.DecryptMsg(testAppID, enc, testKey)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("len %d: silenceper decrypts %q, %v; want %q", n, got, err, msg)
		}
		theirs, err := util.EncryptMsg([]byte("0123456789abcdef"), msg, testAppID, testKey)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := c.Decrypt(string(theirs))
		if err != nil || !bytes.Equal(mine, msg) {
			t.Fatalf("len %d: Decrypt of silenceper's = %q, %v; want %q", n, mine, err, msg)
		}
	}
	for p := 1; p <= 32; p++ {
		if !pads[p] {
			t.Errorf("pad length %d never produced", p)
		}
	}
}

func TestCipherRejects(t *testing.T) {
	c, _ := NewCipher(testKey, testAppID)
	other, _ := NewCipher(testKey, "wxffffffffffffffff")
	enc, _ := other.Encrypt([]byte("hello"))
	if _, err := c.Decrypt(enc); err != ErrAppID {
		t.Errorf("Decrypt of another appid's envelope: err = %v, want ErrAppID", err)
	}
	for _, bad := range []string{"", "!!!", "AAAA", base64.StdEncoding.EncodeToString(make([]byte, 32)), base64.StdEncoding.EncodeToString(make([]byte, 17))} {
		if _, err := c.Decrypt(bad); err == nil {
			t.Errorf("Decrypt(%q): no error", bad)
		}
	}
	if _, err := NewCipher("short", testAppID); err != ErrKey {
		t.Errorf("NewCipher(short): err = %v, want ErrKey", err)
	}
}

func TestPushRoundTrip(t *testing.T) {
	in := Push{ToUserName: "gh_0123456789ab", FromUserName: "oAbc", CreateTime: 1700000000, MsgType: TypeText,
		Content: "a ]]> b <x> & 你好", MsgId: 1 << 40}
	out, err := ParsePush(in.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, *out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	ev := Push{ToUserName: "gh_1", FromUserName: "o1", CreateTime: 1, MsgType: TypeEvent, Event: EventMassDone, MsgID: 7, Status: "send success", TotalCount: 3, SentCount: 3}
	x := string(ev.Marshal())
	for _, want := range []string{"<MsgID>7</MsgID>", "<FilterCount>0</FilterCount>", "<Status><![CDATA[send success]]></Status>"} {
		if !strings.Contains(x, want) {
			t.Errorf("MASSSENDJOBFINISH %s lacks %s", x, want)
		}
	}
	if strings.Contains(x, "<MsgId>") {
		t.Errorf("MASSSENDJOBFINISH %s carries MsgId", x)
	}
	sub := Push{ToUserName: "gh_1", FromUserName: "o1", CreateTime: 1, MsgType: TypeEvent, Event: EventSubscribe}
	if x := string(sub.Marshal()); !strings.Contains(x, "<EventKey><![CDATA[]]></EventKey>") {
		t.Errorf("plain subscribe %s lacks the empty EventKey", x)
	}
}

func TestParseReply(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       *Reply
		err        bool
	}{
		{name: "success", body: "success"},
		{name: "empty", body: "  \n"},
		{name: "cdata", body: "<xml><ToUserName><![CDATA[o1]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content></xml>",
			want: &Reply{ToUserName: "o1", FromUserName: "gh_1", CreateTime: "1700000001", MsgType: "text", Content: "hi"}},
		{name: "bare and ms", body: "<xml><MsgType>image</MsgType><CreateTime>1700000001000</CreateTime><Image><MediaId>m1</MediaId></Image></xml>",
			want: &Reply{CreateTime: "1700000001000", MsgType: "image", Image: media{MediaId: "m1"}}},
		{name: "news", body: "<xml><MsgType>news</MsgType><ArticleCount>1</ArticleCount><Articles><item><Title>t</Title><Url>u</Url></item></Articles></xml>",
			want: &Reply{MsgType: "news", ArticleCount: 1, Articles: []Article{{Title: "t", Url: "u"}}}},
		{name: "news without articles", body: "<xml><MsgType>news</MsgType></xml>", err: true},
		{name: "unknown type", body: "<xml><MsgType>nope</MsgType></xml>", err: true},
		{name: "not xml", body: "hello", err: true},
		{name: "entity", body: "<!DOCTYPE x [<!ENTITY a 'b'>]><xml><MsgType>&a;</MsgType></xml>", err: true},
	} {
		got, err := ParseReply([]byte(tc.body))
		if (err != nil) != tc.err {
			t.Errorf("%s: err = %v, want error %v", tc.name, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Reply{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestOpenReply(t *testing.T) {
	c, _ := NewCipher(testKey, testAppID)
	inner := "<xml><MsgType>text</MsgType><Content>secret</Content></xml>"
	enc, _ := c.Encrypt([]byte(inner))
	// The developer's own (millisecond) timestamp and nonce sign the reply.
	body := SealReply("tok", enc, "1700000000123", "998877")
	r, err := OpenReply(body, c, "tok")
	if err != nil || r == nil || r.Content != "secret" {
		t.Fatalf("OpenReply = %+v, %v; want the text secret", r, err)
	}
	if _, err := OpenReply(body, c, "other"); err != ErrSignature {
		t.Errorf("wrong token: err = %v, want ErrSignature", err)
	}
	empty, _ := c.Encrypt(nil)
	if r, err := OpenReply(SealReply("tok", empty, "1", "2"), c, "tok"); r != nil || err != nil {
		t.Errorf("encrypted empty reply = %+v, %v; want no reply", r, err)
	}
	if r, err := OpenReply([]byte("success"), c, "tok"); r != nil || err != nil {
		t.Errorf("success = %+v, %v; want no reply", r, err)
	}
	plain := "<xml><MsgType>text</MsgType><Content>plain</Content></xml>"
	if r, err := OpenReply([]byte(plain), c, "tok"); err != nil || r.Content != "plain" {
		t.Errorf("plain reply in safe mode = %+v, %v; want it accepted", r, err)
	}
}

func TestSealPush(t *testing.T) {
	c, _ := NewCipher(testKey, testAppID)
	p := Push{ToUserName: "gh_0123456789ab", FromUserName: "o1", CreateTime: 5, MsgType: TypeText, Content: "hi", MsgId: 9}
	enc, _ := c.Encrypt(p.Marshal())
	for _, compat := range []bool{false, true} {
		body := SealPush(&p, enc, compat)
		e, err := ParseEnvelope(body)
		if err != nil || e.ToUserName != p.ToUserName || e.Encrypt != enc {
			t.Fatalf("compat %v: envelope %+v, %v", compat, e, err)
		}
		plainToo := strings.Contains(string(body), "<Content>")
		if plainToo != compat {
			t.Errorf("compat %v: plain fields present = %v", compat, plainToo)
		}
		msg, err := c.Decrypt(e.Encrypt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePush(msg)
		if err != nil || got.Content != "hi" {
			t.Errorf("compat %v: inner push %+v, %v", compat, got, err)
		}
	}
}
