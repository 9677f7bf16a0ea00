package cli

import (
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
)

// sendLocation sends a location: coordinates with an optional place name
// and address. Like every kind but text it carries no text of its own: the
// server makes the message's text from the place name.
func (e *env) sendLocation(args []string) error {
	const use = "send-location PEER|group:GID LATITUDE LONGITUDE [--name PLACE] [--address ADDRESS] [--client-id ID]"
	pos, fl, err := e.parse(args, 3, use, "name", "address", "client-id")
	if err != nil {
		return err
	}
	lat, err1 := strconv.ParseFloat(pos[1], 64)
	lon, err2 := strconv.ParseFloat(pos[2], 64)
	if err1 != nil || err2 != nil {
		return usageErr("latitude and longitude are decimal degrees, not %q and %q", pos[1], pos[2])
	}
	return e.sendTo(pos[0], &pb.SendRequest{ClientId: clientIDFlag(fl), Kind: pb.MessageKind_MESSAGE_KIND_LOCATION,
		Location: &pb.Location{Latitude: lat, Longitude: lon, Name: fl["name"], Address: fl["address"]}})
}

// sendLink sends a link card; the server fetches the page's preview.
func (e *env) sendLink(args []string) error {
	pos, fl, err := e.parse(args, 2, "send-link PEER|group:GID URL [--client-id ID]", "client-id")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(pos[1], "http://") && !strings.HasPrefix(pos[1], "https://") {
		return usageErr("a link is an http:// or https:// URL, not %q", pos[1])
	}
	return e.sendTo(pos[0], &pb.SendRequest{ClientId: clientIDFlag(fl), Kind: pb.MessageKind_MESSAGE_KIND_LINK, Url: pos[1]})
}
