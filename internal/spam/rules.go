package spam

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// A rule adds weight to a text's score when its pattern matches; reason
// names it in a verdict. The rules are kept general (kinds of offer,
// ways of moving people off the platform, lookalike links) rather than
// particular messages; testdata holds the evaluation set they are
// measured on (eval_test.go).
type rule struct {
	reason  string
	weight  float64
	pattern string // whole, for the tests
	// The pattern is split in two for speed (Go's regular expressions
	// walk every alternative at every position): the alternatives that
	// are plain words are looked up as substrings (words), the rest stay
	// regular expressions (res), each behind its own prefilter (the
	// alternatives without one share an expression). The split keeps the
	// meaning: the pattern matches iff a word is in the text or one of
	// res matches.
	words hits // the lexicon's numbers of the words
	res   []*filtered
}

func r(reason string, weight float64, pattern string) rule {
	words, rest := split(pattern)
	ru := rule{reason: reason, weight: weight, pattern: pattern, words: lex.set(words)}
	var open []string // alternatives without a prefilter
	for _, alt := range rest {
		f := compile(alt)
		if f.need == nil {
			open = append(open, alt)
			continue
		}
		ru.res = append(ru.res, f)
	}
	if len(open) > 0 {
		ru.res = append(ru.res, compile(strings.Join(open, "|")))
	}
	return ru
}

// match reports whether the rule matches the normalised text t, whose
// literals are h.
func (ru *rule) match(t string, h *hits) bool {
	if h.any(&ru.words) {
		return true
	}
	for _, f := range ru.res {
		if f.match(t, h) {
			return true
		}
	}
	return false
}

// filtered is a regular expression behind a literal prefilter: every
// string the expression matches contains one of need (worked out from
// the pattern by required), so a text with none of them is not run
// through the expression at all. Most messages contain none, and a
// substring search is far cheaper than a regular expression's walk.
type filtered struct {
	re   *regexp.Regexp
	need *hits // the lexicon's numbers; nil: no prefilter (every text is run)
}

func compile(pattern string) *filtered {
	f := &filtered{re: regexp.MustCompile(pattern)}
	x, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	if need, ok := required(x.Simplify()); ok {
		set := lex.set(minimal(need))
		f.need = &set
	}
	return f
}

// minimal drops the literals that contain another one (a text with the
// longer one has the shorter one too).
func minimal(ws []string) []string {
	var out []string
	for i, w := range ws {
		keep := true
		for j, o := range ws {
			if j != i && strings.Contains(w, o) && (len(o) < len(w) || j < i) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, w)
		}
	}
	return out
}

// match reports whether the expression matches t, whose literals are h.
func (f *filtered) match(t string, h *hits) bool {
	return (f.need == nil || h.any(f.need)) && f.re.MatchString(t)
}

// findAll is the expression's FindAllString behind the prefilter.
func (f *filtered) findAll(t string, h *hits, n int) []string {
	if f.need != nil && !h.any(f.need) {
		return nil
	}
	return f.re.FindAllString(t, n)
}

// maxNeed bounds the literals of one prefilter (more would cost more to
// look up than they save).
const maxNeed = 64

// required returns literals at least one of which every match of x
// contains, and false when there is no such small set (x can match
// without any literal, e.g. an empty string or any letter).
func required(x *syntax.Regexp) ([]string, bool) {
	if x.Flags&syntax.FoldCase != 0 {
		return nil, false
	}
	if ws, ok := finite(x); ok {
		if slices.Contains(ws, "") || len(ws) > maxNeed {
			return nil, false
		}
		return ws, true
	}
	switch x.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return required(x.Sub[0])
	case syntax.OpRepeat:
		if x.Min >= 1 {
			return required(x.Sub[0])
		}
	case syntax.OpAlternate:
		var all []string
		for _, sub := range x.Sub {
			ws, ok := required(sub)
			if !ok {
				return nil, false
			}
			all = append(all, ws...)
		}
		slices.Sort(all)
		all = slices.Compact(all)
		return all, len(all) <= maxNeed
	case syntax.OpConcat:
		// Every child must match, so any child's literals will do; runs
		// of finite children are joined into longer literals. The
		// candidate whose shortest literal is longest is the sharpest.
		var best []string
		better := func(ws []string) {
			if len(ws) == 0 || slices.Contains(ws, "") || len(ws) > maxNeed {
				return
			}
			if best == nil || shortest(ws) > shortest(best) || (shortest(ws) == shortest(best) && len(ws) < len(best)) {
				best = ws
			}
		}
		run := []string{""}
		for _, sub := range x.Sub {
			ws, ok := finite(sub)
			if ok && len(run)*len(ws) <= maxWords {
				var next []string
				for _, a := range run {
					for _, b := range ws {
						next = append(next, a+b)
					}
				}
				run = next
				continue
			}
			better(run)
			run = []string{""}
			if ok {
				run = ws
			} else if ws, ok := required(sub); ok {
				better(ws)
			}
		}
		better(run)
		return best, best != nil
	}
	return nil, false
}

func shortest(ws []string) int {
	n := -1
	for _, w := range ws {
		if n < 0 || len(w) < n {
			n = len(w)
		}
	}
	return n
}

// maxWords bounds the words one alternative may expand to.
const maxWords = 64

// split parses pattern and returns the strings of the top-level
// alternatives that match a small finite set of strings, and the other
// alternatives' patterns.
func split(pattern string) ([]string, []string) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	var words, rest []string
	var walk func(*syntax.Regexp)
	walk = func(x *syntax.Regexp) {
		switch x.Op {
		case syntax.OpAlternate:
			for _, sub := range x.Sub {
				walk(sub)
			}
			return
		case syntax.OpCapture:
			walk(x.Sub[0])
			return
		}
		if ws, ok := finite(x); ok && !slices.Contains(ws, "") {
			words = append(words, ws...)
			return
		}
		rest = append(rest, x.String())
	}
	walk(re)
	return words, rest
}

// finite returns every string x matches when they are few.
func finite(x *syntax.Regexp) ([]string, bool) {
	switch x.Op {
	case syntax.OpLiteral:
		if x.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(x.Rune)}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCapture:
		return finite(x.Sub[0])
	case syntax.OpQuest:
		ws, ok := finite(x.Sub[0])
		return append([]string{""}, ws...), ok && len(ws) < maxWords
	case syntax.OpCharClass:
		var ws []string
		for i := 0; i < len(x.Rune); i += 2 {
			for c := x.Rune[i]; c <= x.Rune[i+1]; c++ {
				if len(ws) >= 8 {
					return nil, false
				}
				ws = append(ws, string(c))
			}
		}
		return ws, true
	case syntax.OpAlternate:
		var ws []string
		for _, sub := range x.Sub {
			s, ok := finite(sub)
			if !ok {
				return nil, false
			}
			ws = append(ws, s...)
		}
		return ws, len(ws) <= maxWords
	case syntax.OpConcat:
		ws := []string{""}
		for _, sub := range x.Sub {
			s, ok := finite(sub)
			if !ok || len(ws)*len(s) > maxWords {
				return nil, false
			}
			var next []string
			for _, a := range ws {
				for _, b := range s {
					next = append(next, a+b)
				}
			}
			ws = next
		}
		return ws, true
	}
	return nil, false
}

// textRules run on the normalised text (lower case, full-width forms
// folded, runs of spaces collapsed).
var textRules = []rule{
	// Moving the conversation off the platform to a handle: the core of
	// nearly every scam script.
	r("contact_handle", 0.7, `v信|薇信|威信|vx|v:|v：|加v|加薇|加q|飞机|tg:|tg：|tg @|\btg\b`),
	r("contact_handle", 0.7, `(微信|qq|q群|qq群)\s*[:：]?\s*[a-z0-9_\-]*[0-9][a-z0-9_\-]{4,}`),
	r("contact_handle", 0.6, `(whatsapp|telegram|signal)\b.{0,20}(\+?\d[\d\s\-()]{7,}|@[a-z0-9_]{4,})|(t\.me|whatsapp\.com)/|(on|via) (whatsapp|telegram)`),
	r("contact_id", 0.8, `(加|添加)(我|客服|老师|专员|助理|运营)?(微信|v|q)\s*[:：]?\s*[a-z][a-z0-9_\-]{3,}`),
	r("contact_phone", 0.4, `(联系|电话|详询|致电|热线).{0,6}1[3-9]\d{9}`),
	r("contact_handle", 0.5, `(加|添加)(我|客服|老师|专员|助理|运营)?(微信|好友|v|q)|(dm|message|text|contact) (me|us|our)|\bdm\b|add me on|reply (yes|stop|info)|comment info`),
	r("contact_handle", 0.5, `(客服|专员|助理|老师|导师|manager|agent|recruiter|support|barrister)`),

	// Money for nothing: easy income, guaranteed returns, gambling,
	// loans without checks, prizes that cost a fee.
	r("easy_money", 0.8, `(日赚|日入|日结|日收益|躺赚|稳赚|月入过万|月入\d|多劳多得|一单一结|刷单|刷流水|刷好评|删差评|点赞员|网赚|包赚|包教包会|兼职.{0,8}(赚|日|结|元)|(赚|收入).{0,6}\d{3,})`),
	r("easy_money", 0.8, `(earn|make|making|made|pays?|paid|get paid)\s.{0,30}(\$|£|€)\s?\d|(\$|£|€)\s?[\d,]+\s?(/|a |per )(day|week|hour|hr|month|like|assignment)|\d+k/month|side hustle|passive income|from (home|your phone)|no experience|financial freedom|while you sleep|quit my job|earn money|make money|get paid (via|tomorrow)|best prices guaranteed`),
	r("pitch", 0.4, `(ask me how|amazing opportunity|\binvest(ment|ing)?\b|投资|理财|开户送|充值.{0,6}送)`),
	r("bargain", 0.4, `(只要\d+元|仅需|低至|全网最低|五折|超低|特价|清仓|秒杀|分期|零首付)|(\bcheap\b|\d+% off|for (just |only )?\$\d|best prices|discount)`),
	r("cta", 0.4, `(click (here|the link|to )|点击(链接|领取)?|扫码(添加|进群|领|付款)|扫这个码)`),
	r("greeting_generic", 0.3, `(dear (customer|user|beneficiary|friend)|亲爱的用户|贵宾您好|尊敬的用户|亲，)`),
	r("returns", 0.8, `(收益|回报|利润|翻倍|翻十倍|套利|搬砖|带单|喊单|涨停|牛股|内幕|稳定收入|零风险|亏损包赔|包中|包赢|胜率|稳赚不赔|高额)|(guaranteed|daily|weekly|monthly|annual)\s(returns?|profits?|income)|\d+%\s?(daily|weekly|monthly|profit|returns?|roi|win rate|accuracy)|\broi\b|zero risk|no risk|double your|\d+x\b|insider|signals|win rate`),
	r("crypto", 0.5, `(usdt|btc|bitcoin|炒币|虚拟货币|crypto|eth\b|token|airdrop|staking|wallet address|binance|mining app)`),
	r("gambling", 0.9, `(博彩|赌场|彩金|百家乐|牛牛|龙虎|彩票计划|网赌|casino|welcome bonus|lottery|jackpot|\.bet\b)`),
	r("loan", 0.8, `(网贷|贷款|下款|放款|无抵押|无担保|不查征信|黑户|套现|花呗|白条|额度|停催|信用卡.{0,4}(办|下卡)|助学贷|医美分期)|(loan|credit check|bad credit|instant approval)`),
	r("prize", 0.5, `(中奖|大奖|奖金|免费领取|领取.{0,6}(红包|奖|现金)|红包.{0,4}领)|(congratulations|winner|prize|reward)`),
	r("prize_fee", 1.0, `(幸运用户|幸运大奖|领红包|最高\d+元|0元|零元购|一元抢购|砍价|助力|邮费|所得税|运费|手续费)|(you('ve| have)? (won|been selected|been chosen)|claim (now|your|the)|giveaway|gift ?card|free (iphone|gift|trial|crypto|v-bucks|\$)|get \$\d+ free|\$[\d,]+ bonus|no deposit|grant of|inheritance|compensation|beneficiary|processing fee|customs fee|redelivery fee)`),

	// Official-looking alarms: account frozen, verify now.
	r("alarm", 0.8, `(冻结|解冻|封号|被封|解封|异常|涉嫌|洗钱|反诈|会议号|认证|核验|验证身份|失效|清零|逾期|理赔|退款失败|地址有误|补贴|退税|待领取)|(suspended|locked|limited|expired?|expires|on hold|will be (deleted|disconnected|banned|renewed)|suspicious|verify|unauthori[sz]ed|final (notice|reminder)|^urgent\b|act now|hurry|infected|has been reported|did not authori[sz]e|could not be (shipped|delivered)|confirm your (address|details|identity)|secure your account|login attempt|is pending|has been charged)`),
	r("alarm_brand", 0.4, `【[^】]{2,8}】`),

	// Goods and services of the grey market.
	r("grey_market", 1.0, `(代开|发票|证件|学历|驾照|包过|保真|高仿|复刻|一比一|外挂|透视|自瞄|代练|代打|代充|出售.{0,10}(号|数据|手机卡|账号|会员)|收购.{0,6}号|实名|接码|二维码出租|收款.{0,4}出租|回收.{0,6}卡|减肥药|无效退款|算命|风水|转运|黑客|追回|星探|培训费|学费\d|押金|垫付|先付款)|(replica|1:1 quality|followers|verified (paypal|bank)|license keys|hack any|degree in|without prescription|viagra|miracle pill|psychic|blue tick|modded)`),
	r("recruit", 0.5, `(招聘|招募|高薪|包吃住|机票报销|无需面试|直接上岗|时间自由|宝妈|学生党|在家|海外|缅甸|柬埔寨|月薪\d)|(we are hiring|remote job|part-time workers|brand ambassador|mystery shopper|hiring!)`),
	r("romance", 1.0, `(陪聊|附近美女|美女陪)|(hot singles|singles in your area|brides|wealthy widow|interested in you\. i am|us soldier|i am a prince)`),
	r("urgency", 0.4, `(限时|名额有限|仅限|仅剩|速加|速来|抓紧|错过|今天截止|前\d+名)|(limited (time|spots|offer|seats|positions|supply)|only \d+ (left|spots)|don't miss|today only|only today|before it's too late)`),
	r("chain", 1.0, `(转发.{0,12}(群|好友|个人|朋友)|分享给.{0,4}好友|扫码进群|进群领|进群后|拉你进群)|(share (this|with) .{0,25}(friends|groups))`),
	r("impersonation", 1.0, `(换了新号|老同学.{0,20}借|我在国外.{0,10}(钱|垫付)|转到这个卡号|卡号\s*\d{4})|(lost my phone|new number.{0,40}\$|stuck at the airport|wire me|send me \$|on venmo\? it's urgent)`),
	r("phone_call", 0.5, `(call|拨打).{0,20}((1-)?8\d\d-\d{3}-\d{4}|0\d{2,3}-\d{7,8})|(call|拨打) (us|our|microsoft|immediately|now)`),
}

// linkRe finds links and bare domains; suspicious parts of a link weigh
// more than a link alone (people share links all the time).
var (
	linkRe        = compile(`(https?://[^\s]+|www\.[^\s]+|\b[a-z0-9][a-z0-9\-]*(\.[a-z0-9\-]+)*\.(com|cn|net|org|top|xyz|vip|cc|info|biz|shop|online|site|win|bet|click|live|link|work|club|store|download|app|apk|ru|co|help|me|io|ly)\b(/[^\s]*)?)`)
	shortenerRe   = compile(`\b(bit\.ly|tinyurl\.com|t\.me|goo\.gl|t\.cn|is\.gd)\b`)
	badTLDRe      = compile(`\.(top|xyz|vip|cc|info|biz|shop|online|site|win|bet|click|live|link|work|club|store|download|app|apk|ru|help)\b`)
	lookalikeRe   = compile(`\b[a-z0-9]+-[a-z0-9\-]+\.(com|cn|net|co|info|top|xyz|vip|cc|online|site|help|live)\b`)
	obfuscationRe = compile(`[a-z]\s[a-z]\s[a-z]\s[a-z]|[\p{Han}][ .·_\-]{1,2}[\p{Han}][ .·_\-]{1,2}[\p{Han}][ .·_\-]{1,2}[\p{Han}]`)
)
