package wxwire

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
)

// MaxXML bounds every XML document this package parses.
const MaxXML = 256 << 10

// ErrXML is a document that is not the protocol's XML.
var ErrXML = errors.New("wxwire: malformed XML")

// Message types and events of pushes.
const (
	TypeText     = "text"
	TypeImage    = "image"
	TypeVoice    = "voice"
	TypeVideo    = "video"
	TypeLocation = "location"
	TypeLink     = "link"
	TypeEvent    = "event"
	TypeNews     = "news"
	TypeMusic    = "music"
	TypeTransfer = "transfer_customer_service"

	EventSubscribe    = "subscribe"
	EventUnsubscribe  = "unsubscribe"
	EventScan         = "SCAN"
	EventClick        = "CLICK"
	EventView         = "VIEW"
	EventLocation     = "LOCATION"
	EventTemplateDone = "TEMPLATESENDJOBFINISH"
	EventMassDone     = "MASSSENDJOBFINISH"
)

// Push is a message or event the platform pushes to a developer server.
// Empty fields are left out of the XML; numbers are bare, strings CDATA.
type Push struct {
	ToUserName   string `xml:"ToUserName"`   // the account's original ID (gh_…)
	FromUserName string `xml:"FromUserName"` // the user's openid
	CreateTime   int64  `xml:"CreateTime"`   // seconds
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgId        int64  `xml:"MsgId"` // user messages
	PicUrl       string `xml:"PicUrl"`
	MediaId      string `xml:"MediaId"`
	Format       string `xml:"Format"`
	ThumbMediaId string `xml:"ThumbMediaId"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string `xml:"Scale"`
	Label        string `xml:"Label"`
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	Url          string `xml:"Url"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	Ticket       string `xml:"Ticket"`
	MsgID        int64  `xml:"MsgID"` // the JOBFINISH events (capital D)
	Status       string `xml:"Status"`
	TotalCount   int64  `xml:"TotalCount"`
	FilterCount  int64  `xml:"FilterCount"`
	SentCount    int64  `xml:"SentCount"`
	ErrorCount   int64  `xml:"ErrorCount"`
}

// Marshal returns the push as the protocol's XML.
func (p *Push) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	str := func(name, v string) {
		if v != "" {
			writeCDATA(&b, name, v)
		}
	}
	num := func(name string, v int64, always bool) {
		if v != 0 || always {
			b.WriteString("<" + name + ">" + strconv.FormatInt(v, 10) + "</" + name + ">")
		}
	}
	str("ToUserName", p.ToUserName)
	str("FromUserName", p.FromUserName)
	num("CreateTime", p.CreateTime, true)
	str("MsgType", p.MsgType)
	str("Content", p.Content)
	str("PicUrl", p.PicUrl)
	str("MediaId", p.MediaId)
	str("Format", p.Format)
	str("ThumbMediaId", p.ThumbMediaId)
	str("Location_X", p.LocationX)
	str("Location_Y", p.LocationY)
	str("Scale", p.Scale)
	str("Label", p.Label)
	str("Title", p.Title)
	str("Description", p.Description)
	str("Url", p.Url)
	str("Event", p.Event)
	if p.MsgType == TypeEvent && (p.Event == EventSubscribe || p.Event == EventScan || p.Event == EventClick || p.Event == EventView) {
		writeCDATA(&b, "EventKey", p.EventKey) // real pushes carry an empty EventKey on a plain follow
	}
	str("Ticket", p.Ticket)
	num("MsgId", p.MsgId, false)
	num("MsgID", p.MsgID, false)
	str("Status", p.Status)
	if p.Event == EventMassDone {
		num("TotalCount", p.TotalCount, true)
		num("FilterCount", p.FilterCount, true)
		num("SentCount", p.SentCount, true)
		num("ErrorCount", p.ErrorCount, true)
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// writeCDATA writes <name><![CDATA[v]]></name>, splitting any "]]>" in v
// across two sections so the text survives unchanged.
func writeCDATA(b *bytes.Buffer, name, v string) {
	b.WriteString("<" + name + "><![CDATA[")
	b.WriteString(strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]></" + name + ">")
}

// ParsePush parses a pushed message (the developer's side; tests and
// tools use it).
func ParsePush(data []byte) (*Push, error) {
	var p Push
	if err := decode(data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func decode(data []byte, v any) error {
	if len(data) > MaxXML {
		return ErrXML
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = nil
	d.CharsetReader = nil
	if err := d.Decode(v); err != nil {
		return ErrXML
	}
	return nil
}

// Envelope is the encrypted form of a push or a reply. A push carries
// ToUserName and Encrypt (and, in compatible mode, the plain fields too);
// a reply carries Encrypt, MsgSignature, TimeStamp and Nonce.
type Envelope struct {
	ToUserName   string `xml:"ToUserName"`
	Encrypt      string `xml:"Encrypt"`
	MsgSignature string `xml:"MsgSignature"`
	TimeStamp    string `xml:"TimeStamp"`
	Nonce        string `xml:"Nonce"`
}

// ParseEnvelope parses the encrypted envelope of a push or a reply.
func ParseEnvelope(data []byte) (*Envelope, error) {
	var e Envelope
	if err := decode(data, &e); err != nil {
		return nil, err
	}
	e.Encrypt = strings.TrimSpace(e.Encrypt)
	if e.Encrypt == "" {
		return nil, ErrEnvelope
	}
	return &e, nil
}

// SealPush returns the body of an encrypted push: in safe mode only
// ToUserName and Encrypt; in compatible mode (compat) the plain fields as
// well.
func SealPush(p *Push, encrypted string, compat bool) []byte {
	if !compat {
		var b bytes.Buffer
		b.WriteString("<xml>")
		writeCDATA(&b, "ToUserName", p.ToUserName)
		writeCDATA(&b, "Encrypt", encrypted)
		b.WriteString("</xml>")
		return b.Bytes()
	}
	plain := p.Marshal()
	var b bytes.Buffer
	b.Write(plain[:len(plain)-len("</xml>")])
	writeCDATA(&b, "Encrypt", encrypted)
	b.WriteString("</xml>")
	return b.Bytes()
}

// SealReply returns an encrypted reply envelope (the developer's side;
// tests use it).
func SealReply(token, encrypted, timestamp, nonce string) []byte {
	var b bytes.Buffer
	b.WriteString("<xml>")
	writeCDATA(&b, "Encrypt", encrypted)
	writeCDATA(&b, "MsgSignature", Signature(token, timestamp, nonce, encrypted))
	b.WriteString("<TimeStamp>" + timestamp + "</TimeStamp>")
	writeCDATA(&b, "Nonce", nonce)
	b.WriteString("</xml>")
	return b.Bytes()
}

// Article is one item of a news reply.
type Article struct {
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
	PicUrl      string `xml:"PicUrl"`
	Url         string `xml:"Url"`
}

// Reply is a developer server's passive reply.
type Reply struct {
	ToUserName   string    `xml:"ToUserName"`
	FromUserName string    `xml:"FromUserName"`
	CreateTime   string    `xml:"CreateTime"` // seconds or milliseconds; not trusted
	MsgType      string    `xml:"MsgType"`
	Content      string    `xml:"Content"`
	Image        media     `xml:"Image"`
	Voice        media     `xml:"Voice"`
	Video        video     `xml:"Video"`
	Music        music     `xml:"Music"`
	ArticleCount int       `xml:"ArticleCount"`
	Articles     []Article `xml:"Articles>item"`
	Encrypt      string    `xml:"Encrypt"`
}

type media struct {
	MediaId string `xml:"MediaId"`
}

type video struct {
	MediaId     string `xml:"MediaId"`
	Title       string `xml:"Title"`
	Description string `xml:"Description"`
}

type music struct {
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	MusicUrl     string `xml:"MusicUrl"`
	HQMusicUrl   string `xml:"HQMusicUrl"`
	ThumbMediaId string `xml:"ThumbMediaId"`
}

// MediaID returns the media_id of an image, voice, video or music reply.
func (r *Reply) MediaID() string {
	switch r.MsgType {
	case TypeImage:
		return r.Image.MediaId
	case TypeVoice:
		return r.Voice.MediaId
	case TypeVideo:
		return r.Video.MediaId
	case TypeMusic:
		return r.Music.ThumbMediaId
	}
	return ""
}

// MaxArticles is the most articles a news reply may carry.
const MaxArticles = 8

// IsNoReply reports whether a reply body means "no reply": the literal
// "success" or nothing but white space.
func IsNoReply(body []byte) bool {
	t := bytes.TrimSpace(body)
	return len(t) == 0 || string(t) == "success"
}

// ParseReply parses a plain passive reply. A nil Reply with a nil error
// means the developer chose not to reply.
func ParseReply(body []byte) (*Reply, error) {
	if IsNoReply(body) {
		return nil, nil
	}
	var r Reply
	if err := decode(body, &r); err != nil {
		return nil, err
	}
	r.MsgType = strings.TrimSpace(r.MsgType)
	switch r.MsgType {
	case TypeText, TypeImage, TypeVoice, TypeVideo, TypeMusic, TypeTransfer:
	case TypeNews:
		if len(r.Articles) == 0 || len(r.Articles) > MaxArticles {
			return nil, ErrXML
		}
	case "":
		if r.Encrypt != "" {
			return &r, nil // an envelope; the caller opens it
		}
		return nil, ErrXML
	default:
		return nil, ErrXML
	}
	return &r, nil
}

// OpenReply parses a reply in safe or compatible mode. An encrypted reply
// must carry a valid msg_signature over its own TimeStamp and Nonce; its
// decrypted content is parsed as a plain reply (empty means no reply). A
// plain reply is accepted too (compatible mode, or a developer answering
// "success").
func OpenReply(body []byte, c *Cipher, token string) (*Reply, error) {
	r, err := ParseReply(body)
	if err != nil || r == nil || r.Encrypt == "" {
		return r, err
	}
	e, err := ParseEnvelope(body)
	if err != nil {
		return nil, err
	}
	if !VerifySignature(e.MsgSignature, token, strings.TrimSpace(e.TimeStamp), strings.TrimSpace(e.Nonce), e.Encrypt) {
		return nil, ErrSignature
	}
	inner, err := c.Decrypt(e.Encrypt)
	if err != nil {
		return nil, err
	}
	r, err = ParseReply(inner)
	if err != nil {
		return nil, err
	}
	if r != nil && r.Encrypt != "" {
		return nil, ErrXML // no envelopes inside envelopes
	}
	return r, nil
}
