package cli

import (
	"slices"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/oaapi"
)

const oauthUsage = `oauth authorize URL [--deny]`

// oauth answers an official account's OAuth2 authorize URL as the signed-in
// user, as the consent screen does: it prints where the user agent is sent,
// the redirect_uri with a code (single use, 5 minutes) and the state, or
// with the state alone when --deny refuses.
func (e *env) oauth(args []string) error {
	deny := false
	if i := slices.Index(args, "--deny"); i >= 0 {
		deny = true
		args = slices.Delete(slices.Clone(args), i, i+1)
	}
	pos, _, err := e.parse(args, 2, oauthUsage)
	if err != nil {
		return err
	}
	if pos[0] != "authorize" {
		return usageErr("usage: %s", oauthUsage)
	}
	ar, err := oaapi.ParseAuthorize(pos[1])
	if err != nil {
		return failErr(string(hongyan.ErrorCode(err)), "%s", hongyan.ErrorMessage(err))
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if deny {
		// The account must exist for its page to be refused.
		if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaProfile{OaProfile: &pb.OaRef{Ref: ar.AppID}}}); err != nil {
			return err
		}
		return e.print(object{{"location", ar.Redirect("")}})
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaAuthorize{OaAuthorize: &pb.OaAuthorizeRequest{Appid: ar.AppID, Scope: ar.Scope, RedirectUri: ar.RedirectURI}}})
	if err != nil {
		return err
	}
	return e.print(object{{"location", ar.Redirect(f.GetOaAuthorization().GetCode())}})
}
