package tools

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/trailhound/trailhound/investigation"
)

// APIError is a failed AWS call: which operation, why, and what the caller
// lacked when access was denied. It wraps the SDK error.
type APIError struct {
	Op     string // "service:Operation" in IAM action terms, e.g. "cloudtrail:LookupEvents"
	Reason investigation.Reason
	Code   string // the AWS error code, when the service answered one
	// Permission is the IAM action the caller lacked (e.g. "logs:StartQuery"),
	// set when the service refused the call for want of it.
	Permission string
	Err        error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	if e.Permission != "" {
		b.WriteString(" (missing permission ")
		b.WriteString(e.Permission)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// Is makes a not-found answer match investigation.ErrUnknownResource, the
// sentinel the engine's ports document.
func (e *APIError) Is(target error) bool {
	return target == investigation.ErrUnknownResource && e.Reason == investigation.ReasonNotFound
}

// Retryable reports whether the call may succeed if tried again later.
func (e *APIError) Retryable() bool { return e.Reason.Retryable() }

// FailureReason and MissingPermission make the Reason and the permission
// readable through investigation.ReasonOf, without knowing this type.
func (e *APIError) FailureReason() investigation.Reason { return e.Reason }

// MissingPermission is the IAM action the caller lacked, "" if not known.
func (e *APIError) MissingPermission() string { return e.Permission }

var _ investigation.ReasonedError = (*APIError)(nil)

// Wrap maps an SDK error of op to an *APIError; doing says what was being
// done ("lookup events for checkout"). op may be empty when err came from an
// SDK client: the operation then comes from the SDK error itself. Nil stays nil.
func Wrap(op, doing string, err error) error {
	if err == nil {
		return nil
	}
	var oe *smithy.OperationError
	if op == "" && errors.As(err, &oe) {
		op = OperationKey(oe.ServiceID, oe.OperationName)
	}
	reason, code := classify(err)
	ae := &APIError{Op: op, Reason: reason, Code: code, Err: err}
	if doing != "" {
		ae.Err = fmt.Errorf("%s: %w", doing, err)
	}
	if reason == investigation.ReasonAccessDenied && !credentialCodes[code] {
		ae.Permission = PermissionFor(op)
	}
	return ae
}

// OperationKey names an SDK operation the way IAM actions and the reports'
// api_calls do: "cloudtrail:LookupEvents", "logs:FilterLogEvents".
func OperationKey(serviceID, operation string) string {
	prefix, ok := iamPrefixes[serviceID]
	if !ok {
		prefix = strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
	}
	return prefix + ":" + operation
}

// PermissionFor is the IAM action that authorizes op ("service:Operation").
// It is the operation's own name except where IAM names the action otherwise.
func PermissionFor(op string) string {
	if p, ok := permissionAliases[op]; ok {
		return p
	}
	return op
}

// iamPrefixes maps SDK service ids to IAM action prefixes where they differ
// from the lower-cased id.
var iamPrefixes = map[string]string{
	"CloudWatch Logs":           "logs",
	"Config Service":            "config",
	"Elastic Load Balancing v2": "elasticloadbalancing",
	"Bedrock Runtime":           "bedrock",
}

// permissionAliases lists operations authorized by an IAM action of another name.
var permissionAliases = map[string]string{
	"bedrock:Converse":       "bedrock:InvokeModel",
	"bedrock:ConverseStream": "bedrock:InvokeModelWithResponseStream",
}

// credentialCodes are access refusals about the credentials themselves, not a
// missing permission: naming a permission for them would mislead.
var credentialCodes = map[string]bool{
	"InvalidClientTokenId":        true,
	"UnrecognizedClientException": true,
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"InvalidAccessKeyId":          true,
	"SignatureDoesNotMatch":       true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
	"AuthFailure":                 true,
	"InvalidSignatureException":   true,
}

var accessDeniedCodes = map[string]bool{
	"AccessDenied":                true,
	"AccessDeniedException":       true,
	"UnauthorizedOperation":       true,
	"UnauthorizedException":       true,
	"AuthorizationError":          true,
	"AuthorizationErrorException": true,
	"NotAuthorized":               true,
	"OptInRequired":               true,
}

// notFoundCodes are the codes that say "no such resource" without the
// NotFound/NoSuch/DoesNotExist wording the classifier also recognises.
var notFoundCodes = map[string]bool{
	"ResourceNotDiscoveredException":          true, // AWS Config has no item for the resource
	"AWS.SimpleQueueService.NonExistentQueue": true,
	"NonExistentQueue":                        true,
}

var timeoutCodes = map[string]bool{
	"RequestTimeout":          true,
	"RequestTimeoutException": true,
}

var unavailableCodes = map[string]bool{
	"ServiceUnavailable":          true,
	"ServiceUnavailableException": true,
	"InternalFailure":             true,
	"InternalError":               true,
	"InternalServerError":         true,
	"InternalServerException":     true,
	"ServiceException":            true,
	"ServiceFailure":              true,
}

// classify finds why err happened: the service's error code first (it is the
// most precise), then the HTTP status, then transport and context errors.
func classify(err error) (investigation.Reason, string) {
	var apiErr smithy.APIError
	code := ""
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	switch {
	case code == "":
	case isThrottleCode(code):
		return investigation.ReasonThrottled, code
	case credentialCodes[code] || accessDeniedCodes[code]:
		return investigation.ReasonAccessDenied, code
	case notFoundCodes[code] || strings.Contains(code, "NotFound") || strings.HasPrefix(code, "NoSuch") ||
		strings.Contains(code, "DoesNotExist"):
		return investigation.ReasonNotFound, code
	case timeoutCodes[code]:
		return investigation.ReasonTimeout, code
	case unavailableCodes[code]:
		return investigation.ReasonUnavailable, code
	}

	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch status := respErr.HTTPStatusCode(); {
		case status == http.StatusTooManyRequests:
			return investigation.ReasonThrottled, code
		case status == http.StatusForbidden || status == http.StatusUnauthorized:
			return investigation.ReasonAccessDenied, code
		case status == http.StatusNotFound:
			return investigation.ReasonNotFound, code
		case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
			return investigation.ReasonTimeout, code
		case status >= 500:
			return investigation.ReasonUnavailable, code
		case status >= 400:
			return investigation.ReasonInvalid, code
		}
	}

	var invalidParams smithy.InvalidParamsError
	var netErr net.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &invalidParams):
		return investigation.ReasonInvalid, code
	case errors.Is(err, context.DeadlineExceeded):
		return investigation.ReasonTimeout, code
	case errors.Is(err, context.Canceled):
		return investigation.ReasonCanceled, code
	case errors.As(err, &netErr) && netErr.Timeout():
		return investigation.ReasonTimeout, code
	case errors.As(err, &opErr):
		// Refused, reset or unreachable: nothing answered.
		return investigation.ReasonUnavailable, code
	}
	return investigation.ReasonUnknown, code
}

func isThrottleCode(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}
