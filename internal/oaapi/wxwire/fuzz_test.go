package wxwire

import (
	"testing"
)

func FuzzParseReply(f *testing.F) {
	f.Add([]byte("success"))
	f.Add([]byte("<xml><MsgType>text</MsgType><Content><![CDATA[hi]]></Content></xml>"))
	f.Add([]byte("<xml><MsgType>news</MsgType><Articles><item><Title>t</Title></item></Articles></xml>"))
	f.Add([]byte("<xml><Encrypt>AAAA</Encrypt><MsgSignature>x</MsgSignature><TimeStamp>1</TimeStamp><Nonce>2</Nonce></xml>"))
	c, _ := NewCipher(testKey, testAppID)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseReply(body)
		if err == nil && r != nil && len(r.Articles) > MaxArticles {
			t.Fatalf("%d articles accepted", len(r.Articles))
		}
		_, _ = OpenReply(body, c, "tok")
		_, _ = ParsePush(body)
	})
}

func FuzzEnvelope(f *testing.F) {
	c, _ := NewCipher(testKey, testAppID)
	enc, _ := c.Encrypt([]byte("<xml><MsgType>text</MsgType><Content>x</Content></xml>"))
	f.Add([]byte("<xml><ToUserName>gh_1</ToUserName><Encrypt>" + enc + "</Encrypt></xml>"))
	f.Add([]byte(enc))
	f.Fuzz(func(t *testing.T, body []byte) {
		if e, err := ParseEnvelope(body); err == nil {
			msg, err := c.Decrypt(e.Encrypt)
			if err == nil && len(msg) > len(e.Encrypt) {
				t.Fatalf("decrypted %d bytes out of %d of Base64", len(msg), len(e.Encrypt))
			}
		}
		if _, err := c.Decrypt(string(body)); err == nil && len(body)%4 != 0 {
			t.Fatalf("non-Base64 length %d decrypted", len(body))
		}
	})
}
