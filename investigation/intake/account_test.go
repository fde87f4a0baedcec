package intake

import (
	"testing"
)

func TestAlarmAccountSources(t *testing.T) {
	sns := `{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:111111111111:alarms","Message":"{\"AlarmName\":\"a\",\"NewStateValue\":\"ALARM\",\"Region\":\"EU (Ireland)\",\"StateChangeTime\":\"2026-03-19T14:00:00.000+0000\",\"Trigger\":{\"EvaluationPeriods\":1,\"Metrics\":[{\"Id\":\"m1\",\"AccountId\":\"222222222222\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"AWS/Lambda\",\"MetricName\":\"Errors\",\"Dimensions\":[{\"name\":\"FunctionName\",\"value\":\"checkout\"}]},\"Period\":60,\"Stat\":\"Sum\"}}]}}"}`
	eb := `{"source":"aws.cloudwatch","detail-type":"CloudWatch Alarm State Change","account":"111111111111","region":"eu-west-1","time":"2026-03-19T14:00:00Z","detail":{"alarmName":"a","state":{"value":"ALARM","timestamp":"2026-03-19T14:00:00.000+0000"},"configuration":{"metrics":[{"id":"m1","accountId":"222222222222","metricStat":{"metric":{"namespace":"AWS/Lambda","name":"Errors","dimensions":{"FunctionName":"checkout"}},"period":60,"stat":"Sum"}}]}}}`
	for name, in := range map[string]string{"sns topic": sns, "eventbridge account": eb} {
		a, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Account != "111111111111" {
			t.Errorf("%s: alarm account %q, want the topic's or envelope's", name, a.Account)
		}
		if len(a.Metrics) != 1 || a.Metrics[0].AccountID != "222222222222" {
			t.Errorf("%s: metrics %+v, want the metric's own account", name, a.Metrics)
		}
	}
}
