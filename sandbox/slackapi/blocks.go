package slackapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Block Kit limits as Slack enforces them on messages and views. Lengths are
// in characters.
const (
	slackMaxMessageBlocks     = 50
	slackMaxHeaderText        = 150
	slackMaxSectionText       = 3000
	slackMaxSectionFields     = 10
	slackMaxFieldText         = 2000
	slackMaxContextElements   = 10
	slackMaxActionsElements   = 25
	slackMaxButtonText        = 75
	slackMaxURL               = 3000
	slackMaxButtonValue       = 2000
	slackMaxID                = 255
	slackMaxAltText           = 2000
	slackMaxImageTitle        = 2000
	slackMaxMarkdownBlockText = 12000
	slackMaxPlaceholder       = 150
	slackMaxOptionText        = 75
	slackMaxOptionValue       = 150
	slackMaxSelectOptions     = 100
	slackMaxChoiceOptions     = 10 // checkboxes, radio buttons
	slackMinOverflowOptions   = 2
	slackMaxOverflowOptions   = 5
	slackMaxInputLabel        = 2000
	slackMaxConfirmTitle      = 100
	slackMaxConfirmText       = 300
	slackMaxConfirmButton     = 30
)

// checkSlackBlocks validates a blocks argument against the Block Kit schema
// and limits. err is set when data is not a JSON array of objects (Slack's
// invalid_blocks_format); problems lists every violation found otherwise, each
// with the JSON pointer Slack would name.
func checkSlackBlocks(data []byte, maxBlocks int) ([]map[string]any, []string, error) {
	var list []map[string]any
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, nil, fmt.Errorf("blocks are not a JSON array of objects: %w", err)
	}
	c := &slackBlockChecker{blockIDs: map[string]bool{}}
	if len(list) > maxBlocks {
		c.fail("/blocks", "must provide no more than %d items", maxBlocks)
	}
	for i, b := range list {
		c.block(b, fmt.Sprintf("/blocks/%d", i))
	}
	return list, c.problems, nil
}

type slackBlockChecker struct {
	problems  []string
	blockIDs  map[string]bool
	actionIDs map[string]bool // within the current block
}

func (c *slackBlockChecker) fail(ptr, format string, a ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, a...)+" [json-pointer:"+ptr+"]")
}

func (c *slackBlockChecker) block(b map[string]any, ptr string) {
	c.actionIDs = map[string]bool{}
	if id, ok := c.optionalString(b, "block_id", ptr, slackMaxID); ok {
		if c.blockIDs[id] {
			c.fail(ptr+"/block_id", "duplicate block_id %q", id)
		}
		c.blockIDs[id] = true
	}
	kind, _ := b["type"].(string)
	switch kind {
	case "section":
		c.section(b, ptr)
	case "header":
		c.text(b, "text", ptr, slackMaxHeaderText, true, true)
	case "context":
		elements := c.array(b, "elements", ptr, 1, slackMaxContextElements)
		for i, e := range elements {
			ep := fmt.Sprintf("%s/elements/%d", ptr, i)
			el, ok := e.(map[string]any)
			if !ok {
				c.fail(ep, "must be an object")
				continue
			}
			if el["type"] == "image" {
				c.image(el, ep)
				continue
			}
			c.textObject(el, ep, slackMaxSectionText, false)
		}
	case "actions":
		for i, e := range c.array(b, "elements", ptr, 1, slackMaxActionsElements) {
			c.element(e, fmt.Sprintf("%s/elements/%d", ptr, i), false)
		}
	case "divider":
	case "image":
		c.image(b, ptr)
		c.text(b, "title", ptr, slackMaxImageTitle, true, false)
	case "markdown":
		if _, ok := b["text"]; !ok {
			c.fail(ptr, "missing required field: text")
		}
		c.optionalString(b, "text", ptr, slackMaxMarkdownBlockText)
	case "rich_text":
		c.array(b, "elements", ptr, 0, -1)
	case "input":
		c.text(b, "label", ptr, slackMaxInputLabel, true, true)
		c.text(b, "hint", ptr, slackMaxInputLabel, true, false)
		if e, ok := b["element"]; ok {
			c.element(e, ptr+"/element", false)
		} else {
			c.fail(ptr, "missing required field: element")
		}
	case "file", "video", "table", "context_actions":
		// Accepted as they are: the product does not send them.
	default:
		c.fail(ptr+"/type", "unsupported block type %q", kind)
	}
}

func (c *slackBlockChecker) section(b map[string]any, ptr string) {
	_, hasText := b["text"]
	_, hasFields := b["fields"]
	if !hasText && !hasFields {
		c.fail(ptr, "must provide text or fields")
	}
	c.text(b, "text", ptr, slackMaxSectionText, false, false)
	if hasFields {
		for i, f := range c.array(b, "fields", ptr, 1, slackMaxSectionFields) {
			fp := fmt.Sprintf("%s/fields/%d", ptr, i)
			if obj, ok := f.(map[string]any); ok {
				c.textObject(obj, fp, slackMaxFieldText, false)
			} else {
				c.fail(fp, "must be a text object")
			}
		}
	}
	if a, ok := b["accessory"]; ok {
		c.element(a, ptr+"/accessory", true)
	}
}

// element checks an interactive element; imageAllowed for section accessories.
func (c *slackBlockChecker) element(e any, ptr string, imageAllowed bool) {
	el, ok := e.(map[string]any)
	if !ok {
		c.fail(ptr, "must be an object")
		return
	}
	kind, _ := el["type"].(string)
	if kind == "image" && imageAllowed {
		c.image(el, ptr)
		return
	}
	if id, ok := c.optionalString(el, "action_id", ptr, slackMaxID); ok {
		if c.actionIDs[id] {
			c.fail(ptr+"/action_id", "duplicate action_id %q in the block", id)
		}
		c.actionIDs[id] = true
	}
	c.text(el, "placeholder", ptr, slackMaxPlaceholder, true, false)
	if conf, ok := el["confirm"]; ok {
		c.confirm(conf, ptr+"/confirm")
	}
	switch kind {
	case "button", "workflow_button":
		c.text(el, "text", ptr, slackMaxButtonText, true, true)
		c.optionalString(el, "url", ptr, slackMaxURL)
		c.optionalString(el, "value", ptr, slackMaxButtonValue)
		c.optionalString(el, "accessibility_label", ptr, slackMaxButtonText)
		if style, ok := el["style"]; ok && style != "primary" && style != "danger" {
			c.fail(ptr+"/style", "must be \"primary\" or \"danger\"")
		}
	case "static_select", "multi_static_select":
		if _, ok := el["option_groups"]; ok {
			c.array(el, "option_groups", ptr, 1, slackMaxSelectOptions)
		} else {
			c.options(el, ptr, 1, slackMaxSelectOptions, true)
		}
	case "overflow":
		c.options(el, ptr, slackMinOverflowOptions, slackMaxOverflowOptions, true)
	case "checkboxes", "radio_buttons":
		c.options(el, ptr, 1, slackMaxChoiceOptions, false)
	case "users_select", "multi_users_select", "conversations_select", "multi_conversations_select",
		"channels_select", "multi_channels_select", "external_select", "multi_external_select",
		"datepicker", "timepicker", "datetimepicker", "plain_text_input", "email_text_input",
		"url_text_input", "number_input", "rich_text_input", "file_input":
	default:
		c.fail(ptr+"/type", "unsupported element type %q", kind)
	}
}

func (c *slackBlockChecker) options(el map[string]any, ptr string, minItems, maxItems int, plainOnly bool) {
	for i, o := range c.array(el, "options", ptr, minItems, maxItems) {
		op := fmt.Sprintf("%s/options/%d", ptr, i)
		opt, ok := o.(map[string]any)
		if !ok {
			c.fail(op, "must be an object")
			continue
		}
		c.text(opt, "text", op, slackMaxOptionText, plainOnly, true)
		c.optionalString(opt, "value", op, slackMaxOptionValue)
		c.optionalString(opt, "url", op, slackMaxURL)
	}
}

func (c *slackBlockChecker) confirm(v any, ptr string) {
	conf, ok := v.(map[string]any)
	if !ok {
		c.fail(ptr, "must be an object")
		return
	}
	c.text(conf, "title", ptr, slackMaxConfirmTitle, true, true)
	c.text(conf, "text", ptr, slackMaxConfirmText, false, true)
	c.text(conf, "confirm", ptr, slackMaxConfirmButton, true, true)
	c.text(conf, "deny", ptr, slackMaxConfirmButton, true, true)
}

func (c *slackBlockChecker) image(el map[string]any, ptr string) {
	_, hasURL := el["image_url"]
	_, hasFile := el["slack_file"]
	if !hasURL && !hasFile {
		c.fail(ptr, "must provide image_url or slack_file")
	}
	c.optionalString(el, "image_url", ptr, slackMaxURL)
	if _, ok := el["alt_text"]; !ok {
		c.fail(ptr, "missing required field: alt_text")
	}
	c.optionalString(el, "alt_text", ptr, slackMaxAltText)
}

// text checks the text object under key; required says whether it must be
// there, plainOnly whether mrkdwn is refused.
func (c *slackBlockChecker) text(parent map[string]any, key, ptr string, maxChars int, plainOnly, required bool) {
	v, ok := parent[key]
	if !ok {
		if required {
			c.fail(ptr, "missing required field: %s", key)
		}
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.fail(ptr+"/"+key, "must be a text object")
		return
	}
	if plainOnly && obj["type"] != "plain_text" {
		c.fail(ptr+"/"+key+"/type", "must be \"plain_text\"")
		return
	}
	c.textObject(obj, ptr+"/"+key, maxChars, plainOnly)
}

func (c *slackBlockChecker) textObject(obj map[string]any, ptr string, maxChars int, plainOnly bool) {
	kind, _ := obj["type"].(string)
	allowed := []string{"plain_text", "mrkdwn"}
	if plainOnly {
		allowed = allowed[:1]
	}
	if !slices.Contains(allowed, kind) {
		c.fail(ptr+"/type", "must be one of %q", allowed)
	}
	text, ok := obj["text"].(string)
	if !ok {
		c.fail(ptr, "missing required field: text")
		return
	}
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		c.fail(ptr+"/text", "must be at least 1 character")
	case n > maxChars:
		c.fail(ptr+"/text", "must be less than %d characters", maxChars+1)
	}
	if _, ok := obj["emoji"]; ok && kind == "mrkdwn" {
		c.fail(ptr+"/emoji", "is only allowed on plain_text")
	}
}

// optionalString checks the string under key when present; ok reports a
// well-formed value.
func (c *slackBlockChecker) optionalString(parent map[string]any, key, ptr string, maxChars int) (string, bool) {
	v, present := parent[key]
	if !present {
		return "", false
	}
	s, isString := v.(string)
	switch n := utf8.RuneCountInString(s); {
	case !isString:
		c.fail(ptr+"/"+key, "must be a string")
	case n == 0:
		c.fail(ptr+"/"+key, "must be at least 1 character")
	case n > maxChars:
		c.fail(ptr+"/"+key, "must be less than %d characters", maxChars+1)
	default:
		return s, true
	}
	return "", false
}

// array returns the array under key, checking its size; maxItems < 0 means
// unbounded.
func (c *slackBlockChecker) array(parent map[string]any, key, ptr string, minItems, maxItems int) []any {
	v, present := parent[key]
	if !present {
		c.fail(ptr, "missing required field: %s", key)
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		c.fail(ptr+"/"+key, "must be an array")
		return nil
	}
	if len(list) < minItems {
		c.fail(ptr+"/"+key, "must provide at least %d items", minItems)
	}
	if maxItems >= 0 && len(list) > maxItems {
		c.fail(ptr+"/"+key, "must provide no more than %d items", maxItems)
	}
	return list
}
