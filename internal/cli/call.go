package cli

import (
	"strconv"
	"time"

	"hongyan/internal/callclient"
)

const callUsage = "call PEER [--video] [--seconds N] | call answer [--seconds N] | " + groupCallUsage

// maxCallSeconds bounds --seconds.
const maxCallSeconds = 24 * 3600

// callCmd places a call to PEER (an account ID or a user ID) with the
// Go client's synthetic audio, or waits for one call and answers it, and
// prints one JSON line when the call is over.
func (e *env) callCmd(args []string) error {
	// --video alone is a switch (every other flag takes a value).
	args = append([]string(nil), args...)
	for i, a := range args {
		if a == "--video" || a == "-video" {
			args[i] = "--video=on"
		}
	}
	pos, fl, err := e.parse(args, -1, callUsage, "video", "seconds")
	if err != nil {
		return err
	}
	if len(pos) > 0 && (pos[0] == "group" || pos[0] == "talk") {
		return e.groupCallCmd(pos[0] == "talk", pos[1:], fl)
	}
	if len(pos) != 1 {
		return usageErr("usage: %s", callUsage)
	}
	var o callclient.Options
	if s, ok := fl["seconds"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxCallSeconds {
			return usageErr("--seconds is a number of seconds (0 to %d), not %q", maxCallSeconds, s)
		}
		o.Talk = time.Duration(n) * time.Second
	}
	if v, ok := fl["video"]; ok {
		switch v {
		case "on", "true", "1":
			o.Video = true
		case "off", "false", "0":
		default:
			return usageErr("--video is on or off, not %q", v)
		}
	}
	answer := pos[0] == "answer"
	if answer && o.Video {
		return usageErr("usage: %s (an answered call is voice or video as the caller placed it)", callUsage)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	cc, err := callclient.New(e.ctx, c, h.User)
	if err != nil {
		return err
	}
	defer cc.Close()
	var r callclient.Result
	if answer {
		r, err = cc.Answer(e.ctx, o)
	} else {
		peer, perr := e.resolvePeer(c, h, pos[0])
		if perr != nil {
			return perr
		}
		r, err = cc.Place(e.ctx, peer, o)
	}
	if err != nil {
		return err
	}
	return e.print(object{{"call", r.Call}, {"state", r.State}, {"video", r.Video}, {"setup_ms", r.SetupMS},
		{"duration", r.Duration}, {"duration_ms", r.DurationMS}, {"packets_sent", r.PacketsSent},
		{"packets_received", r.PacketsReceived}, {"packets_lost", r.PacketsLost}, {"bytes_sent", r.BytesSent},
		{"bytes_received", r.BytesReceived}})
}
