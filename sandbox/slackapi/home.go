package slackapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
)

// The App Home: a member opens the app's Home tab (OpenHome), the workspace
// sends app_home_opened, and the app answers with views.publish.

// OpenHome is user opening the app's Home tab.
func (s *Server) OpenHome(user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[user]; !ok {
		return fmt.Errorf("sandbox slack: no user %s", user)
	}
	s.eventLocked(map[string]any{
		"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
		"event_ts": s.nextTS(),
	})
	return nil
}

// Home returns the view last published as user's Home tab.
func (s *Server) Home(user string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.homes[user]
	return slices.Clone(v), ok
}

func (s *Server) viewsPublish(args url.Values) slackReply {
	user := args.Get("user_id")
	if _, ok := s.users[user]; !ok {
		return slackErr("user_not_found")
	}
	var view map[string]json.RawMessage
	if json.Unmarshal([]byte(args.Get("view")), &view) != nil {
		return slackErr("invalid_arguments", "view must be a JSON object [json-pointer:/view]")
	}
	var kind string
	if json.Unmarshal(view["type"], &kind) != nil || kind != "home" {
		return slackErr("invalid_arguments", "must be \"home\" [json-pointer:/view/type]")
	}
	blocks, reply := s.checkBlocks(string(view["blocks"]), slackMaxModalBlocks)
	if reply.body != nil {
		return reply
	}
	view["blocks"] = blocks
	view["id"], _ = json.Marshal(fmt.Sprintf("V%08d", s.nextID()))
	raw, _ := json.Marshal(view)
	if s.homes == nil {
		s.homes = map[string]json.RawMessage{}
	}
	s.homes[user] = raw
	s.notifyLocked()
	return slackOK(map[string]any{"view": view})
}
