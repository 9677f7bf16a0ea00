package cli

import (
	"context"
	"strconv"
	"strings"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
)

const (
	nearbyUsage = "nearby set LAT LON | nearby list [--gender male|female] | nearby clear"
	shakeUsage  = "shake [--lat LAT --lon LON]"
	bottleUsage = "bottle throw TEXT | bottle throw [TEXT] --voice FILE [--duration-ms N] | bottle pick [--save FILE] | bottle reply BOTTLE_ID TEXT | bottle return BOTTLE_ID | bottle list | bottle show BOTTLE_ID | bottle greet BOTTLE_ID [GREETING]"
)

// negMark lets negative numbers (a latitude south, a longitude west) pass
// the flag parser as values rather than flags.
const negMark = "\x00neg"

func hideNegatives(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if _, err := strconv.ParseFloat(a, 64); err == nil && strings.HasPrefix(a, "-") {
			a = negMark + a
		}
		out[i] = a
	}
	return out
}

func showNegatives(pos []string, fl map[string]string) {
	for i, p := range pos {
		pos[i] = strings.TrimPrefix(p, negMark)
	}
	for k, v := range fl {
		fl[k] = strings.TrimPrefix(v, negMark)
	}
}

func degrees(what, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, usageErr("%s %q is not a number of degrees", what, s)
	}
	return v, nil
}

// nearby runs the people-nearby subcommands.
func (e *env) nearby(args []string) error {
	pos, fl, err := e.parse(hideNegatives(args), -1, nearbyUsage, "gender")
	if err != nil {
		return err
	}
	showNegatives(pos, fl)
	need := map[string]int{"set": 2, "list": 0, "clear": 0}
	if n, ok := need[firstOr(pos)]; !ok || len(pos)-1 != n {
		return usageErr("usage: %s", nearbyUsage)
	}
	var req pb.ClientFrame
	switch pos[0] {
	case "set":
		lat, err := degrees("latitude", pos[1])
		if err != nil {
			return err
		}
		lon, err := degrees("longitude", pos[2])
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_NearbySet{NearbySet: &pb.NearbySetRequest{Lat: lat, Lon: lon}}
	case "list":
		g := pb.DiscoveryGender_DISCOVERY_GENDER_ANY
		if v, ok := fl["gender"]; ok {
			switch v {
			case "male":
				g = pb.DiscoveryGender_DISCOVERY_GENDER_MALE
			case "female":
				g = pb.DiscoveryGender_DISCOVERY_GENDER_FEMALE
			default:
				return usageErr("--gender is male or female, not %q", v)
			}
		}
		req.Req = &pb.ClientFrame_NearbyList{NearbyList: &pb.NearbyListRequest{Gender: g}}
	case "clear":
		req.Req = &pb.ClientFrame_NearbyClear{NearbyClear: &pb.Empty{}}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	if l := f.GetNearby(); l != nil {
		for _, p := range l.People {
			if err := e.print(p); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(object{{"ok", true}})
}

// shake shakes and waits out the window for a match.
func (e *env) shake(args []string) error {
	pos, fl, err := e.parse(hideNegatives(args), 0, shakeUsage, "lat", "lon")
	if err != nil {
		return err
	}
	showNegatives(pos, fl)
	r := &pb.ShakeRequest{}
	latS, hasLat := fl["lat"]
	lonS, hasLon := fl["lon"]
	if hasLat != hasLon {
		return usageErr("usage: %s (--lat and --lon go together)", shakeUsage)
	}
	if hasLat {
		if r.Lat, err = degrees("latitude", latS); err != nil {
			return err
		}
		if r.Lon, err = degrees("longitude", lonS); err != nil {
			return err
		}
		r.Located = true
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Shake{Shake: r}})
	if err != nil {
		return err
	}
	res := f.GetShake()
	if res.GetMatch() == nil {
		// Whoever shakes next in the window may match me: wait for the
		// change that says so, or the end of the window, then ask.
		ctx, cancel := context.WithTimeout(e.ctx, time.Duration(res.GetWindowMs())*time.Millisecond+500*time.Millisecond)
	wait:
		for {
			select {
			case <-ctx.Done():
				break wait
			case p, ok := <-c.Pushes():
				if !ok {
					break wait
				}
				if matched(p) {
					break wait
				}
			}
		}
		cancel()
		if f, err = e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_ShakeResult{ShakeResult: &pb.Empty{}}}); err != nil {
			return err
		}
		res = f.GetShake()
	}
	if res.GetMatch() == nil {
		return e.print(object{{"match", nil}})
	}
	return e.print(object{{"match", res.GetMatch()}})
}

func matched(p *pb.ServerFrame) bool {
	for _, ch := range p.GetChanges().GetChanges() {
		if ch.GetShake() != nil {
			return true
		}
	}
	return false
}

// bottle runs the drift-bottle subcommands.
func (e *env) bottle(args []string) error {
	pos, fl, err := e.parse(args, -1, bottleUsage, "voice", "duration-ms", "save")
	if err != nil {
		return err
	}
	need := map[string]int{"throw": 1, "pick": 0, "reply": 2, "return": 1, "list": 0, "show": 1, "greet": 1}
	n, ok := need[firstOr(pos)]
	voiceThrow := ok && pos[0] == "throw" && fl["voice"] != "" && len(pos) == 1 // the text is optional with a voice clip
	if !ok || (len(pos)-1 != n && !(pos[0] == "greet" && len(pos) == 3) && !voiceThrow) ||
		(fl["voice"] != "" && pos[0] != "throw") || (fl["save"] != "" && pos[0] != "pick") {
		return usageErr("usage: %s", bottleUsage)
	}
	id := func() (int64, error) {
		n, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil || n <= 0 {
			return 0, usageErr("%q is not a bottle ID", pos[1])
		}
		return n, nil
	}
	var req pb.ClientFrame
	switch pos[0] {
	case "throw":
		q := &pb.BottleThrowRequest{}
		if len(pos) == 2 {
			q.Text = pos[1]
		}
		if path := fl["voice"]; path != "" {
			if q.Voice, err = e.uploadVoice(path, fl["duration-ms"]); err != nil {
				return err
			}
		}
		req.Req = &pb.ClientFrame_BottleThrow{BottleThrow: q}
	case "pick":
		req.Req = &pb.ClientFrame_BottlePick{BottlePick: &pb.Empty{}}
	case "list":
		req.Req = &pb.ClientFrame_Bottles{Bottles: &pb.Empty{}}
	case "reply", "return", "show", "greet":
		b, err := id()
		if err != nil {
			return err
		}
		switch pos[0] {
		case "reply":
			req.Req = &pb.ClientFrame_BottleReply{BottleReply: &pb.BottleReplyRequest{Bottle: b, Text: pos[2]}}
		case "return":
			req.Req = &pb.ClientFrame_BottleReturn{BottleReturn: &pb.BottleRef{Bottle: b}}
		case "greet":
			greeting := ""
			if len(pos) == 3 {
				greeting = pos[2]
			}
			req.Req = &pb.ClientFrame_BottleGreet{BottleGreet: &pb.BottleGreetRequest{Bottle: b, Greeting: greeting}}
		default:
			req.Req = &pb.ClientFrame_BottleGet{BottleGet: &pb.BottleRef{Bottle: b}}
		}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case f.GetBottlePick() != nil:
		if b := f.GetBottlePick().GetBottle(); b != nil {
			if path := fl["save"]; path != "" && b.Voice != "" {
				// "Playing" a voice bottle from a script: its clip, saved.
				if err := e.saveMedia(b.Voice, path); err != nil {
					return err
				}
			}
			return e.print(object{{"bottle", b}})
		}
		return e.print(object{{"bottle", nil}})
	case f.GetBottles() != nil:
		for _, b := range f.GetBottles().Bottles {
			if err := e.print(b); err != nil {
				return err
			}
		}
		return nil
	case f.GetBottle() != nil:
		return e.print(f.GetBottle())
	case f.GetBottleMessage() != nil:
		return e.print(f.GetBottleMessage())
	}
	return e.print(object{{"ok", true}})
}
