package cli

import (
	"encoding/json"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

func TestJSONOutput(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{
			name: "message change",
			in: changeObject(&pb.Change{Seq: 12, Item: &pb.Change_Message{Message: &pb.Message{
				Id: 5, Conversation: 2, Seq: 3, Sender: 7, Peer: 7, Time: 1700000000000, Text: "hi <3 & \"you\"", ClientId: "c1"}}}),
			want: `{"seq":12,"type":"message","message":{"id":5,"conversation":2,"seq":3,"sender":7,"time":1700000000000,"kind":"text","text":"hi <3 & \"you\"","peer":7,"client_id":"c1","mentions":[],"mention_all":false,"card":0,"group":0,"spam_warning":false}}`,
		},
		{
			name: "contact removed",
			in:   changeObject(&pb.Change{Seq: 13, Item: &pb.Change_ContactRemoved{ContactRemoved: 9}}),
			want: `{"seq":13,"type":"contact_removed","contact_removed":9}`,
		},
		{
			name: "devices",
			in: changeObject(&pb.Change{Seq: 14, Item: &pb.Change_Devices{Devices: &pb.DeviceList{
				Devices: []*pb.Device{{Id: 1, Name: "a"}, {Id: 2, Name: "b", Current: true}}}}}),
			want: `{"seq":14,"type":"devices","devices":{"devices":[{"id":1,"name":"a","address":"","created":0,"last_seen":0,"current":false},{"id":2,"name":"b","address":"","created":0,"last_seen":0,"current":true}]}}`,
		},
		{
			name: "empty change",
			in:   changeObject(&pb.Change{Seq: 1}),
			want: `{"seq":1,"type":"unknown"}`,
		},
		{
			name: "profile without settings",
			in:   &pb.Profile{Id: 3, AccountId: "alice_01", Gender: pb.Gender_GENDER_FEMALE},
			want: `{"id":3,"account_id":"alice_01","nickname":"","avatar":"","gender":"female","region":"","signature":"","phone":"","email":"","account_id_changed":false}`,
		},
		{
			name: "contact with tags",
			in:   &pb.Contact{User: 4, Tags: []string{"x", "y"}, Profile: &pb.Profile{Id: 4, Settings: &pb.Settings{FindByPhone: true}}},
			want: `{"user":4,"profile":{"id":4,"account_id":"","nickname":"","avatar":"","gender":"unset","region":"","signature":"","phone":"","email":"","account_id_changed":false,"settings":{"find_by_account_id":false,"find_by_phone":true,"add_needs_verification":false}},"remark":"","description":"","tags":["x","y"],"starred":false,"since":0}`,
		},
		{
			name: "request state and unknown enum",
			in:   &pb.FriendRequest{Id: 1, State: pb.RequestState_REQUEST_STATE_ACCEPTED, Other: &pb.Profile{Gender: 42}},
			want: `{"id":1,"from":0,"to":0,"greeting":"","state":"accepted","time":0,"other":{"id":0,"account_id":"","nickname":"","avatar":"","gender":42,"region":"","signature":"","phone":"","email":"","account_id_changed":false}}`,
		},
		{
			name: "qr login",
			in:   &pb.QrLogin{Code: "c", State: pb.QrState_QR_STATE_CONFIRMED},
			want: `{"code":"c","secret":"","expires":0,"device_name":"","address":"","state":"confirmed","url":""}`,
		},
		{
			name: "optional fields",
			in:   &pb.UpdateProfileRequest{Nickname: ptr("n")},
			want: `{"nickname":"n","phone_code":"","email_code":""}`,
		},
		{
			name: "bytes",
			in:   &pb.SetAvatarRequest{Image: []byte{0xff, 0}},
			want: `{"image":"/wA="}`,
		},
		{
			name: "object",
			in:   object{{"b", 1}, {"a", true}, {"s", "<x>"}, {"n", object{{"k", int64(1) << 60}}}},
			want: `{"b":1,"a":true,"s":"<x>","n":{"k":1152921504606846976}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appendValue(nil, tt.in)
			if err != nil {
				t.Fatalf("appendValue: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpperSnake(t *testing.T) {
	for in, want := range map[string]string{
		"Gender": "GENDER", "QrState": "QR_STATE", "MessageKind": "MESSAGE_KIND", "V2Thing": "V2_THING", "ABC": "ABC",
	} {
		if got := upperSnake(in); got != want {
			t.Errorf("upperSnake(%q) = %q, want %q", in, got, want)
		}
	}
}
