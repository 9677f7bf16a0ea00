package assistant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Lotteries: fair, seeded and auditable. When a lottery is made, a random
// seed is drawn and only its SHA-256 is published in the group (the
// commitment); members enter by sending the keyword before the deadline;
// at the deadline the seed is revealed with the winners, who are a
// deterministic function of the seed and the entrants (Draw), so anyone
// can check that the seed matches the commitment and recompute the draw
// (`hongyan cli groups assistant lottery verify`).

// Limits of lotteries.
const (
	MaxLotteryTitle  = 60
	MaxWinners       = 100
	MaxLotteries     = 10 // open at once per group
	MaxLotteryPeriod = 30 * 24 * time.Hour
	LotteryGrace     = 30 * time.Second // the draw waits this long after the deadline
)

// Lottery is a group's lottery.
type Lottery struct {
	ID       int64
	Group    hongyan.ConversationID
	Title    string
	Keyword  string
	Winners  int
	Deadline time.Time
	Seed     string // hex of 32 random bytes: kept secret until the draw
	Hash     string // hex SHA-256 of the seed's bytes: published at once
	// Announced: the commitment was posted; Drawn: the result was.
	Announced bool
	Drawn     bool
	Result    []hongyan.UserID // the winners, once drawn
	Entrants  []hongyan.UserID // once drawn, as Lotteries shows it: every entrant
	By        hongyan.UserID
	Created   time.Time
}

// SeedHash is the commitment to seed (hex): the hex SHA-256 of its bytes.
func SeedHash(seed string) (string, error) {
	b, err := hex.DecodeString(seed)
	if err != nil || len(b) != 32 {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "a seed is 64 hex digits")
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// Draw picks up to winners of entrants with seed (hex): each entrant's
// ticket is the SHA-256 of "seed:user" (user in decimal); the winners are
// the entrants with the lowest tickets (compared as bytes), returned in
// that order. Entrants are taken once each, whatever their order.
func Draw(seed string, entrants []hongyan.UserID, winners int) []hongyan.UserID {
	us := slices.Clone(entrants)
	slices.Sort(us)
	us = slices.Compact(us)
	type ticket struct {
		user hongyan.UserID
		h    [32]byte
	}
	ts := make([]ticket, len(us))
	for i, u := range us {
		ts[i] = ticket{u, sha256.Sum256([]byte(strings.ToLower(seed) + ":" + strconv.FormatInt(int64(u), 10)))}
	}
	slices.SortFunc(ts, func(a, b ticket) int { return slices.Compare(a.h[:], b.h[:]) })
	out := make([]hongyan.UserID, 0, min(winners, len(ts)))
	for _, t := range ts[:min(winners, len(ts))] {
		out = append(out, t.user)
	}
	return out
}

// CreateLottery makes a lottery in group (owner and admins): members enter
// by sending keyword (the whole message) before deadline; winners of them
// are drawn then. The assistant publishes the seed's hash in the group.
func (s *Service) CreateLottery(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, title, keyword string, winners int, deadline time.Time) (Lottery, error) {
	title, keyword = strings.TrimSpace(title), strings.TrimSpace(keyword)
	if err := checkText("a lottery's title", title, MaxLotteryTitle, false); err != nil {
		return Lottery{}, err
	}
	if err := checkText("a lottery's keyword", keyword, MaxKeyword, false); err != nil {
		return Lottery{}, err
	}
	if winners < 1 || winners > MaxWinners {
		return Lottery{}, hongyan.Errorf(hongyan.CodeInvalid, "a lottery has 1 to %d winners", MaxWinners)
	}
	now := s.now()
	if !deadline.After(now) || deadline.Sub(now) > MaxLotteryPeriod {
		return Lottery{}, hongyan.Errorf(hongyan.CodeInvalid, "a lottery's deadline is in the next 30 days")
	}
	if _, err := s.on(ctx, c, group); err != nil {
		return Lottery{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	seed := hex.EncodeToString(raw)
	hash, _ := SeedHash(seed)
	return s.store.AddLottery(ctx, Lottery{Group: group, Title: title, Keyword: keyword, Winners: winners, Deadline: deadline,
		Seed: seed, Hash: hash, By: c.User, Created: now}, MaxLotteries)
}

// Lotteries lists the group's lotteries, newest first, to its owner and
// admins; the seed of one not drawn yet is left out.
func (s *Service) Lotteries(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) ([]Lottery, error) {
	if _, err := s.on(ctx, c, group); err != nil {
		return nil, err
	}
	ls, err := s.store.Lotteries(ctx, group)
	if err != nil {
		return nil, err
	}
	for i := range ls {
		if !ls[i].Drawn {
			ls[i].Seed = ""
			continue
		}
		if ls[i].Entrants, err = s.store.Entrants(ctx, ls[i].ID); err != nil {
			return nil, err
		}
	}
	return ls, nil
}

// idsText is user IDs in decimal, comma-separated.
func idsText(us []hongyan.UserID) string {
	ss := make([]string, len(us))
	for i, u := range us {
		ss[i] = strconv.FormatInt(int64(u), 10)
	}
	return strings.Join(ss, ",")
}

// lotteries announces new lotteries and draws those past their deadline.
func (r *Runner) lotteries(ctx context.Context) error {
	// Drawn a little after the deadline, so that entries sent just before
	// it have reached the assistant's events.
	ls, err := r.svc.store.LotteriesToPost(ctx, r.svc.now().Add(-LotteryGrace), scheduleBatch)
	if err != nil {
		return err
	}
	for _, l := range ls {
		id := strconv.FormatInt(l.ID, 10)
		if !l.Announced {
			text := "🎁 抽奖 #" + id + "「" + l.Title + "」: 发送「" + l.Keyword + "」参加，截止 " + WallClockIn(l.Deadline, zoneOf(ctx, r, l.Group)) +
				"，抽 " + strconv.Itoa(l.Winners) + " 人。种子承诺 SHA-256: " + l.Hash +
				"\nLottery #" + id + " \"" + l.Title + "\": send \"" + l.Keyword + "\" to enter; seed commitment (SHA-256) above."
			if err := r.api.Send(ctx, Chat{Group: l.Group}, text, "asst-l"+id+"-a"); err != nil && !gone(err) {
				return err
			}
			if err := r.svc.store.MarkAnnounced(ctx, l.ID); err != nil {
				return err
			}
			continue
		}
		entrants, err := r.svc.store.Entrants(ctx, l.ID)
		if err != nil {
			return err
		}
		won := Draw(l.Seed, entrants, l.Winners)
		names, err := r.api.MemberNames(ctx, l.Group)
		if err != nil && !gone(err) {
			return err
		}
		var who []string
		for _, u := range won {
			n := names[u]
			if n == "" {
				n = strconv.FormatInt(int64(u), 10)
			}
			who = append(who, n)
		}
		err = r.api.PostCard(ctx, l.Group, ResultCard(l, who, len(entrants)), "asst-l"+id+"-d")
		if hongyan.ErrorCode(err) == hongyan.CodeDenied {
			// Turned on before the assistant posted cards (its grant lacks
			// apps:write): the result as text.
			err = r.api.Send(ctx, Chat{Group: l.Group}, resultText(l, who, won, entrants), "asst-l"+id+"-d")
		}
		if err != nil && !gone(err) {
			return err
		}
		if err := r.svc.store.SetResult(ctx, l.ID, won); err != nil {
			return err
		}
	}
	return nil
}

// ResultCard is a drawn lottery's result as an app card: the title names
// the lottery; the description the winners (their names, as many as fit),
// how many entered, the seed revealed (its SHA-256 was published with the
// lottery) and the command that checks the draw.
func ResultCard(l Lottery, winners []string, entrants int) Card {
	id := strconv.FormatInt(l.ID, 10)
	title := "🎉 抽奖 #" + id + "「" + l.Title + "」开奖"
	if utf8.RuneCountInString(title) > maxCardTitle {
		title = "🎉 抽奖 #" + id + "「" + clip(l.Title, maxCardTitle-utf8.RuneCountInString("🎉 抽奖 #"+id+"「」开奖")) + "」开奖"
	}
	rest := "\n" + strconv.Itoa(entrants) + " entrants · seed " + l.Seed +
		"\nverify: hongyan cli groups assistant " + strconv.FormatInt(int64(l.Group), 10) + " lottery show " + id
	who := "中奖 Winners: "
	if len(winners) == 0 {
		who += "—"
	}
	room := maxCardDescription - utf8.RuneCountInString(rest)
	for i, w := range winners {
		more := ""
		if i < len(winners)-1 {
			more = " …+" + strconv.Itoa(len(winners)-i-1)
		}
		add := w
		if i > 0 {
			add = "、" + w
		}
		if utf8.RuneCountInString(who+add+more) > room {
			who += " …+" + strconv.Itoa(len(winners)-i)
			break
		}
		who += add
	}
	return Card{Title: title, Description: who + rest}
}

// The bot API's limits of an app card, in characters.
const (
	maxCardTitle       = 64
	maxCardDescription = 200
)

// clip cuts s to at most n characters, ending it with … when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// resultText is a drawn lottery's result as text, for a group whose grant
// lacks apps:write.
func resultText(l Lottery, who []string, won, entrants []hongyan.UserID) string {
	id := strconv.FormatInt(l.ID, 10)
	text := "🎉 抽奖 #" + id + "「" + l.Title + "」开奖 / drawn: " + strings.Join(who, "、") +
		"\n" + strconv.Itoa(len(entrants)) + " entrants; seed " + l.Seed + "; winners " + idsText(won) +
		"\nverify: hongyan cli groups assistant lottery verify --seed " + l.Seed + " --hash " + l.Hash +
		" --winners " + strconv.Itoa(l.Winners) + " --entrants " + idsText(entrants)
	if len(text) > 3500 { // a long entrant list: the command names the lottery instead
		text = text[:strings.Index(text, "\nverify:")] + "\nverify: hongyan cli groups assistant " + strconv.FormatInt(int64(l.Group), 10) + " lottery show " + id
	}
	return text
}

func zoneOf(ctx context.Context, r *Runner, g hongyan.ConversationID) string {
	if st, err := r.svc.store.Settings(ctx, g); err == nil {
		return st.Timezone
	}
	return DefaultTimezone
}
