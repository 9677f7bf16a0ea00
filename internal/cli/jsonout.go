package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"hongyan/internal/gen/hongyanv1"
)

// The CLI prints protocol messages as JSON objects of their own design
// rather than protojson's: field names are the proto (snake_case) names,
// 64-bit integers are JSON numbers (protojson writes strings), enums are
// the short lowercase value name ("male", "pending"), fields in
// declaration order. Scalars are always written, so that scripts can rely
// on them; unset sub-messages, optional fields and oneof members are left
// out.

// object is a JSON object whose keys keep their order. Values are
// marshalled with appendValue.
type object []field

type field struct {
	key string
	val any
}

// MarshalJSON implements json.Marshaler.
func (o object) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, f.val); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendValue appends v as JSON: proto messages in the CLI's format,
// anything else as encoding/json does without HTML escaping.
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case proto.Message:
		return appendMessage(b, v.ProtoReflect()), nil
	case object:
		out, err := v.MarshalJSON()
		return append(b, out...), err
	case string:
		return appendString(b, v), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}

// appendString appends s as a JSON string without HTML escaping.
func appendString(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// appendMessage appends m as a JSON object.
func appendMessage(b []byte, m protoreflect.Message) []byte {
	b = append(b, '{')
	fields := m.Descriptor().Fields()
	first := true
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.HasPresence() && !m.Has(fd) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, string(fd.Name()))
		b = append(b, ':')
		b = appendField(b, fd, m.Get(fd))
	}
	return append(b, '}')
}

func appendField(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch {
	case fd.IsList():
		l := v.List()
		b = append(b, '[')
		for i := range l.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendScalar(b, fd, l.Get(i))
		}
		return append(b, ']')
	case fd.IsMap():
		mp := v.Map()
		b = append(b, '{')
		first := true
		mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, k.String())
			b = append(b, ':')
			b = appendScalar(b, fd.MapValue(), v)
			return true
		})
		return append(b, '}')
	}
	return appendScalar(b, fd, v)
}

func appendScalar(b []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) []byte {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(b, v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.AppendInt(b, v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.AppendUint(b, v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		out, err := appendValue(b, v.Float())
		if err != nil { // NaN or infinity
			return append(b, "null"...)
		}
		return out
	case protoreflect.StringKind:
		return appendString(b, v.String())
	case protoreflect.BytesKind:
		return appendString(b, base64.StdEncoding.EncodeToString(v.Bytes()))
	case protoreflect.EnumKind:
		if name, ok := enumName(fd.Enum(), v.Enum()); ok {
			return appendString(b, name)
		}
		return strconv.AppendInt(b, int64(v.Enum()), 10)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return appendMessage(b, v.Message())
	}
	return append(b, "null"...)
}

// enumName returns the short lowercase name of enum value n: GENDER_MALE
// of enum Gender is "male", QR_STATE_CONFIRMED of QrState is "confirmed".
func enumName(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) (string, bool) {
	vd := ed.Values().ByNumber(n)
	if vd == nil {
		return "", false
	}
	name := strings.TrimPrefix(string(vd.Name()), upperSnake(string(ed.Name()))+"_")
	return strings.ToLower(name), true
}

// upperSnake turns a CamelCase name into UPPER_SNAKE: QrState → QR_STATE.
func upperSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			prev := rune(s[i-1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// changeObject is a change-log entry as sync prints it:
// {"seq":12,"type":"message","message":{…}}, the type naming the kind of
// entry and the key of its data.
func changeObject(c *hongyanv1.Change) object {
	o := object{{"seq", c.GetSeq()}}
	m := c.ProtoReflect()
	od := m.Descriptor().Oneofs().ByName("item")
	fd := m.WhichOneof(od)
	if fd == nil {
		return append(o, field{"type", "unknown"})
	}
	name := string(fd.Name())
	return append(o, field{"type", name}, field{name, rawField{fd, m.Get(fd)}})
}

// rawField is one proto field's value, marshalled in the CLI's format.
type rawField struct {
	fd protoreflect.FieldDescriptor
	v  protoreflect.Value
}

// MarshalJSON implements json.Marshaler.
func (r rawField) MarshalJSON() ([]byte, error) { return appendField(nil, r.fd, r.v), nil }
