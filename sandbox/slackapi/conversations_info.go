package slackapi

import "net/url"

// conversationsInfo answers conversations.info: a channel by its id (Slack
// does not look channels up by name here), with its name and whether the
// bot is a member. Public channels are readable whether or not it is.
func (s *Server) conversationsInfo(args url.Values) slackReply {
	id := args.Get("channel")
	for _, ch := range s.channels {
		if ch.ID != id {
			continue
		}
		return slackOK(map[string]any{"channel": map[string]any{
			"id": ch.ID, "name": ch.Name, "name_normalized": ch.Name,
			"is_channel": true, "is_private": false, "is_archived": false,
			"is_member": !ch.BotAbsent, "context_team_id": s.opts.TeamID,
		}})
	}
	return slackErr("channel_not_found")
}
