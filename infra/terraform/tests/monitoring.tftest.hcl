# modules/monitoring on its own, applied with the mocked provider: which alarms exist, what each
# watches (the metrics, both target groups of its own service, the thresholds), where they notify,
# the dashboard, the saved queries and the budget.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name                     = "platform-test"
  environment              = "test"
  region                   = "eu-west-1"
  metrics_namespace        = "platform/test"
  kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  load_balancer_arn_suffix = "app/platform-test/0123456789abcdef"
  cluster_name             = "platform-test"
  services = {
    customer = { target_group_arn_suffixes = ["targetgroup/platform-test-customer/1", "targetgroup/platform-test-customer-g/2"], log_group = "/ecs/platform-test/customer" }
    shopping = { target_group_arn_suffixes = ["targetgroup/platform-test-shopping/3", "targetgroup/platform-test-shopping-g/4"], log_group = "/ecs/platform-test/shopping" }
  }
  database = { cluster_identifier = "platform-test", instance_identifiers = ["platform-test-1", "platform-test-2"] }
  broker   = { name = "platform-test", instance_type = "mq.t3.micro" }
}

run "alarms" {
  command = apply
  module {
    source = "./modules/monitoring"
  }
  variables {
    alarm_email = "ops@example.com"
  }
  override_resource {
    target = aws_sns_topic.alarms
    values = { arn = "arn:aws:sns:eu-west-1:123456789012:platform-test-alarms" }
  }

  assert {
    condition = toset(output.alarm_names) == toset(concat(
      flatten([for s in ["customer", "shopping"] : [for k in ["target-5xx", "p99-latency", "unhealthy-hosts", "cpu", "memory", "dead-letters", "outbox-age"] : "platform-test-${s}-${k}"]]),
      flatten([for i in ["platform-test-1", "platform-test-2"] : [for k in ["cpu", "connections", "freeable-memory"] : "platform-test-docdb-${i}-${k}"]]),
      ["platform-test-load-balancer-5xx", "platform-test-mq-memory", "platform-test-mq-disk"],
    )) && length(output.alarm_names) == 23
    error_message = "per service: 5xx rate, p99 latency, unhealthy hosts, CPU, memory, dead letters, outbox age; per DocumentDB instance: CPU, connections, freeable memory; the load balancer's 5xx; the broker's memory and disk"
  }

  assert {
    condition     = alltrue([for a in values(output.alarms) : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:platform-test-alarms"]) && a.ok_actions == toset(["arn:aws:sns:eu-west-1:123456789012:platform-test-alarms"]) && a.treat_missing_data == "notBreaching"])
    error_message = "every alarm notifies the topic when it goes off and when it recovers; no data (scaled to zero at night) is no alarm"
  }

  assert {
    condition = (
      aws_sns_topic.alarms.kms_master_key_id == var.kms_key_arn &&
      output.email_subscription == "ops@example.com" && aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].topic_arn == aws_sns_topic.alarms.arn
    )
    error_message = "the topic is encrypted with the platform's key, and alarm_email is subscribed to it"
  }

  assert {
    condition = (
      one([for st in data.aws_iam_policy_document.topic.statement : st if st.sid == "AlarmsAndBudgetsPublish"]).actions == toset(["sns:Publish"]) &&
      one([for st in data.aws_iam_policy_document.topic.statement : st if st.sid == "AlarmsAndBudgetsPublish"]).principals == toset([{ type = "Service", identifiers = toset(["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]) }]) &&
      jsonencode(one([for st in data.aws_iam_policy_document.topic.statement : st if st.sid == "AlarmsAndBudgetsPublish"]).condition) == jsonencode([{ test = "StringEquals", values = ["123456789012"], variable = "aws:SourceAccount" }]) &&
      aws_sns_topic_policy.alarms.arn == aws_sns_topic.alarms.arn
    )
    error_message = "only this account's CloudWatch alarms and budgets may publish to the topic"
  }

  assert {
    condition = (
      output.alarms["platform-test-customer-target-5xx"].queries == {
        errors0   = "AWS/ApplicationELB/HTTPCode_Target_5XX_Count:Sum"
        errors1   = "AWS/ApplicationELB/HTTPCode_Target_5XX_Count:Sum"
        requests0 = "AWS/ApplicationELB/RequestCount:Sum"
        requests1 = "AWS/ApplicationELB/RequestCount:Sum"
        errors    = "FILL(errors0, 0) + FILL(errors1, 0)"
        requests  = "FILL(requests0, 0) + FILL(requests1, 0)"
        rate      = "IF(requests >= 10, 100 * errors / requests, 0)"
      } &&
      toset([for q in aws_cloudwatch_metric_alarm.target_5xx["customer"].metric_query : one(q.metric).dimensions.TargetGroup if length(q.metric) > 0]) == toset(["targetgroup/platform-test-customer/1", "targetgroup/platform-test-customer-g/2"]) &&
      alltrue([for q in aws_cloudwatch_metric_alarm.target_5xx["customer"].metric_query : one(q.metric).dimensions.LoadBalancer == var.load_balancer_arn_suffix if length(q.metric) > 0]) &&
      output.alarms["platform-test-customer-target-5xx"].threshold == 5 && output.alarms["platform-test-customer-target-5xx"].comparison == "GreaterThanThreshold"
    )
    error_message = "the 5xx alarm watches the share of 5xx answers (above 5%) over both of the service's own target groups, ignoring minutes with fewer than 10 requests"
  }

  assert {
    condition = (
      toset([for q in aws_cloudwatch_metric_alarm.target_group["shopping-p99-latency"].metric_query : one(q.metric).dimensions.TargetGroup if length(q.metric) > 0]) == toset(["targetgroup/platform-test-shopping/3", "targetgroup/platform-test-shopping-g/4"]) &&
      alltrue([for q in aws_cloudwatch_metric_alarm.target_group["shopping-p99-latency"].metric_query : one(q.metric).stat == "p99" && one(q.metric).metric_name == "TargetResponseTime" if length(q.metric) > 0]) &&
      output.alarms["platform-test-shopping-p99-latency"].queries.worst == "MAX([FILL(tg0, 0), FILL(tg1, 0)])" && output.alarms["platform-test-shopping-p99-latency"].threshold == 2 &&
      output.alarms["platform-test-shopping-unhealthy-hosts"].queries.worst == "MAX([FILL(tg0, 0), FILL(tg1, 0)])" && output.alarms["platform-test-shopping-unhealthy-hosts"].threshold == 0 &&
      alltrue([for q in aws_cloudwatch_metric_alarm.target_group["shopping-unhealthy-hosts"].metric_query : one(q.metric).stat == "Maximum" && one(q.metric).metric_name == "UnHealthyHostCount" if length(q.metric) > 0]) &&
      toset([for q in aws_cloudwatch_metric_alarm.target_group["shopping-unhealthy-hosts"].metric_query : one(q.metric).dimensions.TargetGroup if length(q.metric) > 0]) == toset(["targetgroup/platform-test-shopping/3", "targetgroup/platform-test-shopping-g/4"])
    )
    error_message = "p99 latency (above 2 s) and unhealthy hosts (any) watch the slower / either of the service's own two target groups"
  }

  assert {
    condition = (
      output.alarms["platform-test-customer-cpu"].namespace == "AWS/ECS" && output.alarms["platform-test-customer-cpu"].metric_name == "CPUUtilization" && jsonencode(output.alarms["platform-test-customer-cpu"].dimensions) == jsonencode({ ClusterName = "platform-test", ServiceName = "customer" }) && output.alarms["platform-test-customer-cpu"].threshold == 85 &&
      output.alarms["platform-test-shopping-memory"].metric_name == "MemoryUtilization" && jsonencode(output.alarms["platform-test-shopping-memory"].dimensions) == jsonencode({ ClusterName = "platform-test", ServiceName = "shopping" })
    )
    error_message = "CPU and memory alarms watch the ECS service's own metrics (85%)"
  }

  assert {
    condition = (
      output.alarms["platform-test-customer-dead-letters"].namespace == "platform/test" && output.alarms["platform-test-customer-dead-letters"].metric_name == "DeadLetterMessages" && output.alarms["platform-test-customer-dead-letters"].statistic == "Maximum" && output.alarms["platform-test-customer-dead-letters"].threshold == 0 && jsonencode(output.alarms["platform-test-customer-dead-letters"].dimensions) == jsonencode({ Service = "customer" }) &&
      output.alarms["platform-test-shopping-outbox-age"].namespace == "platform/test" && output.alarms["platform-test-shopping-outbox-age"].metric_name == "OutboxOldestAgeSeconds" && output.alarms["platform-test-shopping-outbox-age"].statistic == "Maximum" && output.alarms["platform-test-shopping-outbox-age"].threshold == 300 && jsonencode(output.alarms["platform-test-shopping-outbox-age"].dimensions) == jsonencode({ Service = "shopping" })
    )
    error_message = "dead letters (any) and outbox age (over 5 minutes) come from the services' own EMF metrics: METRICS_NAMESPACE, dimension Service, Maximum"
  }

  assert {
    condition = (
      output.alarms["platform-test-docdb-platform-test-2-freeable-memory"].namespace == "AWS/DocDB" && jsonencode(output.alarms["platform-test-docdb-platform-test-2-freeable-memory"].dimensions) == jsonencode({ DBInstanceIdentifier = "platform-test-2" }) && output.alarms["platform-test-docdb-platform-test-2-freeable-memory"].comparison == "LessThanThreshold" && output.alarms["platform-test-docdb-platform-test-2-freeable-memory"].threshold == 256 * 1048576 &&
      output.alarms["platform-test-docdb-platform-test-1-connections"].metric_name == "DatabaseConnections" && output.alarms["platform-test-docdb-platform-test-1-connections"].threshold == 400 &&
      output.alarms["platform-test-docdb-platform-test-1-cpu"].metric_name == "CPUUtilization" && output.alarms["platform-test-docdb-platform-test-1-cpu"].threshold == 80
    )
    error_message = "DocumentDB: CPU, connections and freeable memory per instance"
  }

  assert {
    condition = (
      output.alarms["platform-test-mq-memory"].queries.node == "SELECT MAX(RabbitMQMemUsed) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = 'platform-test'" &&
      output.alarms["platform-test-mq-memory"].threshold == floor(1024 * 0.4 * 0.8) * 1048576 &&
      output.alarms["platform-test-mq-disk"].queries.node == "SELECT MIN(RabbitMQDiskFree) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = 'platform-test'" &&
      output.alarms["platform-test-mq-disk"].comparison == "LessThanThreshold" && output.alarms["platform-test-mq-disk"].threshold == 4096 * 1048576 &&
      output.alarms["platform-test-load-balancer-5xx"].queries.rate == "IF(FILL(requests, 0) >= 10, 100 * FILL(errors, 0) / requests, 0)"
    )
    error_message = "the broker's memory (80% of RabbitMQ's 40% watermark of a t3.micro's 1 GiB) and free disk over its nodes; the load balancer's own 5xx share"
  }

  assert {
    condition     = jsonencode(output.rollback_alarm_names) == jsonencode({ customer = ["platform-test-customer-target-5xx", "platform-test-customer-unhealthy-hosts"], shopping = ["platform-test-shopping-target-5xx", "platform-test-shopping-unhealthy-hosts"] })
    error_message = "by default a service's deployments roll back on its own 5xx and unhealthy-hosts alarms"
  }

  assert {
    condition = (
      toset(keys(output.dashboard_widgets)) == toset(["text", "Alarms", "Requests per minute", "Latency p50 (s)", "Latency p99 (s)", "4xx answers per minute", "5xx answers per minute (services)", "Load balancer 5xx and rejected connections", "Order saga: orders per minute", "Order settle time, placed to confirmed or rejected (s)", "Outbox: oldest unsent event (s)", "Outbox: unsent events", "Dead-letter queue depth", "Events published per minute", "Events handled per minute", "Event handler failures per minute", "ECS CPU (%)", "ECS memory (%)", "DocumentDB CPU (%)", "DocumentDB connections", "DocumentDB freeable memory (bytes)", "Broker memory used and limit (bytes)", "Broker free disk and limit (bytes)", "Broker messages and connections", "Latest errors"]) &&
      aws_cloudwatch_dashboard.this.dashboard_name == "platform-test"
    )
    error_message = "one dashboard: alarms, requests, latency p50/p99, 4xx/5xx per service, the saga, outbox, dead letters, events, ECS CPU/memory, DocumentDB and broker health, latest errors"
  }

  assert {
    condition = (
      length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[2].properties.metrics) == 6 &&
      contains([for m in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[2].properties.metrics : jsonencode(m)], jsonencode([{ expression = "FILL(m1x0, 0) + FILL(m1x1, 0)", id = "e1", label = "shopping" }])) &&
      contains([for m in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[2].properties.metrics : jsonencode(m)], jsonencode(["AWS/ApplicationELB", "RequestCount", "TargetGroup", "targetgroup/platform-test-shopping-g/4", "LoadBalancer", "app/platform-test/0123456789abcdef", { id = "m1x1", stat = "Sum", visible = false }])) &&
      contains([for m in output.dashboard_widgets["Order settle time, placed to confirmed or rejected (s)"].metrics : jsonencode(m)], jsonencode(["platform/test", "OrderSettleSeconds", "Service", "shopping", { label = "p99", stat = "p99" }])) &&
      contains([for m in output.dashboard_widgets["Dead-letter queue depth"].metrics : jsonencode(m)], jsonencode(["platform/test", "DeadLetterMessages", "Service", "customer", { label = "customer", stat = "Maximum" }])) &&
      length(output.dashboard_widgets["DocumentDB CPU (%)"].metrics) == 2 &&
      length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets[1].properties.alarms) == 23
    )
    error_message = "the widgets add each service's two target groups up, read the services' metrics from METRICS_NAMESPACE, show every DocumentDB instance and every alarm"
  }

  assert {
    condition = (
      toset(keys(output.query_definitions)) == toset(["platform-test/errors-by-service", "platform-test/errors-latest", "platform-test/slowest-requests", "platform-test/request-id", "platform-test/trace-id", "platform-test/refusals-429-503"]) &&
      alltrue([for q in values(output.query_definitions) : toset(q.log_groups) == toset(["/ecs/platform-test/customer", "/ecs/platform-test/shopping"])]) &&
      strcontains(output.query_definitions["platform-test/refusals-429-503"].query, "status = 429 or status = 503") &&
      strcontains(output.query_definitions["platform-test/request-id"].query, "filter requestId =") &&
      strcontains(output.query_definitions["platform-test/trace-id"].query, "filter traceId =") &&
      strcontains(output.query_definitions["platform-test/slowest-requests"].query, "sort ms desc")
    )
    error_message = "saved queries over every service's log group: errors by service, latest errors, slowest requests, one request id, one trace id, 429/503 refusals"
  }

  assert {
    condition     = output.budget == null && length(aws_budgets_budget.monthly) == 0
    error_message = "no budget unless monthly_budget_usd is set"
  }
}

run "budget_and_thresholds" {
  command = apply
  module {
    source = "./modules/monitoring"
  }
  variables {
    monthly_budget_usd = 95
    thresholds         = { http_5xx_percent = 2, p99_latency_seconds = 0.8, mq_memory_mib = 300 }
    rollback_on        = ["target_5xx", "p99_latency"]
  }
  override_resource {
    target = aws_sns_topic.alarms
    values = { arn = "arn:aws:sns:eu-west-1:123456789012:platform-test-alarms" }
  }

  assert {
    condition = (
      output.budget.limit == "95.00" && jsonencode(output.budget.cost_filter) == jsonencode({ TagKeyValue = ["user:Environment$test"] }) &&
      toset([for n in output.budget.notifications : "${n.type}:${n.threshold}:${join(",", n.topics)}"]) == toset(["ACTUAL:80:arn:aws:sns:eu-west-1:123456789012:platform-test-alarms", "FORECASTED:100:arn:aws:sns:eu-west-1:123456789012:platform-test-alarms"]) &&
      aws_budgets_budget.monthly[0].budget_type == "COST" && aws_budgets_budget.monthly[0].time_unit == "MONTHLY" && aws_budgets_budget.monthly[0].limit_unit == "USD"
    )
    error_message = "a monthly budget of monthly_budget_usd over the environment's tagged costs, alerting the topic at 80% actual and 100% forecast"
  }

  assert {
    condition     = output.alarms["platform-test-customer-target-5xx"].threshold == 2 && output.alarms["platform-test-customer-p99-latency"].threshold == 0.8 && output.alarms["platform-test-mq-memory"].threshold == 300 * 1048576 && output.alarms["platform-test-customer-cpu"].threshold == 85 && output.email_subscription == null
    error_message = "thresholds given override their defaults, the others keep theirs; no email, no subscription"
  }

  assert {
    condition     = jsonencode(output.rollback_alarm_names.customer) == jsonencode(["platform-test-customer-p99-latency", "platform-test-customer-target-5xx"])
    error_message = "rollback_on chooses which alarms roll a deployment back"
  }
}

run "rejects_unknown_rollback_alarms" {
  command = plan
  module {
    source = "./modules/monitoring"
  }
  variables {
    rollback_on = ["cpu"]
  }
  expect_failures = [var.rollback_on]
}

# The ECS broker (broker = "ecs"): its task's memory and "no broker while services run" instead of
# Amazon MQ's node metrics, on the alarms and on the dashboard.
run "ecs_broker" {
  command = apply
  module {
    source = "./modules/monitoring"
  }
  variables {
    broker = { kind = "ecs", name = "broker" }
  }

  assert {
    condition     = toset([for n in output.alarm_names : n if strcontains(n, "-mq-") || strcontains(n, "-broker-")]) == toset(["platform-test-broker-memory", "platform-test-broker-down"])
    error_message = "two alarms for the ECS broker, none of Amazon MQ's"
  }

  assert {
    condition = (
      output.alarms["platform-test-broker-memory"].namespace == "AWS/ECS" && output.alarms["platform-test-broker-memory"].metric_name == "MemoryUtilization" &&
      output.alarms["platform-test-broker-memory"].dimensions == tomap({ ClusterName = "platform-test", ServiceName = "broker" }) && output.alarms["platform-test-broker-memory"].threshold == 32 &&
      output.alarms["platform-test-broker-memory"].treat_missing_data == "notBreaching"
    )
    error_message = "the broker task's memory: 80% of RabbitMQ's 40% watermark, no data (scaled to zero at night) is no alarm"
  }

  assert {
    condition = (
      jsonencode(output.alarms["platform-test-broker-down"].queries) == jsonencode({
        broker   = "AWS/ECS/CPUUtilization:SampleCount"
        down     = "IF((FILL(service0, 0) + FILL(service1, 0)) > 0 AND FILL(broker, 0) == 0, 1, 0)"
        service0 = "AWS/ECS/CPUUtilization:SampleCount"
        service1 = "AWS/ECS/CPUUtilization:SampleCount"
      }) &&
      output.alarms["platform-test-broker-down"].comparison == "GreaterThanThreshold" && output.alarms["platform-test-broker-down"].threshold == 0 &&
      output.alarms["platform-test-broker-down"].evaluation_periods == 5 && output.alarms["platform-test-broker-down"].treat_missing_data == "notBreaching"
    )
    error_message = "down: 5 minutes with a service task running and no broker task (both at zero at night: no alarm)"
  }

  assert {
    condition = jsonencode({ for m in aws_cloudwatch_metric_alarm.ecs_broker_down[0].metric_query : m.id => one(m.metric).dimensions if length(m.metric) > 0 }) == jsonencode({
      broker   = { ClusterName = "platform-test", ServiceName = "broker" }
      service0 = { ClusterName = "platform-test", ServiceName = "customer" }
      service1 = { ClusterName = "platform-test", ServiceName = "shopping" }
    })
    error_message = "the down alarm compares the broker service's task with each service's, in the stack's cluster"
  }

  assert {
    condition = (
      contains(keys(output.dashboard_widgets), "Broker task CPU and memory (%)") && contains(keys(output.dashboard_widgets), "Broker task running (samples per minute)") &&
      !contains(keys(output.dashboard_widgets), "Broker memory used and limit (bytes)") && !contains(keys(output.dashboard_widgets), "Broker messages and connections")
    )
    error_message = "the dashboard shows the ECS broker's task, not Amazon MQ's metrics"
  }
}
