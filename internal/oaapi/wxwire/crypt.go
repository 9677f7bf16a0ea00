package wxwire

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// KeyLength is the length of an EncodingAESKey: 43 characters of
// [A-Za-z0-9] that decode (with a "=" appended) to 32 bytes.
const KeyLength = 43

// blockPad is the PKCS#7 block size of the protocol: 32, not AES's 16.
const blockPad = 32

// MaxEncrypted bounds the Base64 text Decrypt accepts.
const MaxEncrypted = 1 << 20

// Errors of the envelope.
var (
	ErrKey       = errors.New("wxwire: EncodingAESKey is not 43 letters and digits")
	ErrEnvelope  = errors.New("wxwire: malformed encrypted envelope")
	ErrAppID     = errors.New("wxwire: envelope is for another appid")
	ErrSignature = errors.New("wxwire: signature mismatch")
)

// Cipher encrypts and decrypts messages for one account.
type Cipher struct {
	block cipher.Block
	iv    []byte
	appID string
	rand  io.Reader
}

// ValidKey reports whether k is a well-formed EncodingAESKey.
func ValidKey(k string) bool {
	if len(k) != KeyLength {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	_, err := base64.StdEncoding.DecodeString(k + "=")
	return err == nil
}

// NewCipher returns the Cipher of an account's EncodingAESKey and AppID.
func NewCipher(encodingAESKey, appID string) (*Cipher, error) {
	if !ValidKey(encodingAESKey) {
		return nil, ErrKey
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, ErrKey
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("wxwire: %w", err)
	}
	return &Cipher{block: b, iv: key[:16], appID: appID, rand: rand.Reader}, nil
}

// Encrypt returns msg_encrypt for msg:
// Base64(AES-CBC(PKCS7-32(random16 || len32be(msg) || msg || appid))).
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	n := 16 + 4 + len(msg) + len(c.appID)
	pad := blockPad - n%blockPad
	buf := make([]byte, n+pad)
	if _, err := io.ReadFull(c.rand, buf[:16]); err != nil {
		return "", fmt.Errorf("wxwire: random: %w", err)
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], c.appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, c.iv).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt opens msg_encrypt and returns the message. The trailing appid
// must be the Cipher's.
func (c *Cipher) Decrypt(encrypted string) ([]byte, error) {
	msg, appID, err := c.open(encrypted)
	if err != nil {
		return nil, err
	}
	if appID != c.appID {
		return nil, ErrAppID
	}
	return msg, nil
}

func (c *Cipher) open(encrypted string) (msg []byte, appID string, err error) {
	if len(encrypted) > MaxEncrypted {
		return nil, "", ErrEnvelope
	}
	buf, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, "", ErrEnvelope
	}
	cipher.NewCBCDecrypter(c.block, c.iv).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad < 1 || pad > blockPad || pad > len(buf) {
		return nil, "", ErrEnvelope
	}
	buf = buf[:len(buf)-pad]
	if len(buf) < 20 {
		return nil, "", ErrEnvelope
	}
	size := binary.BigEndian.Uint32(buf[16:20])
	if uint64(size) > uint64(len(buf)-20) {
		return nil, "", ErrEnvelope
	}
	end := 20 + int(size)
	return buf[20:end], string(buf[end:]), nil
}
