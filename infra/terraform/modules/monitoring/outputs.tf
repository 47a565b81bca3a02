locals {
  alarms = merge(
    { for k, a in aws_cloudwatch_metric_alarm.target_5xx : a.alarm_name => a },
    { for k, a in aws_cloudwatch_metric_alarm.target_group : a.alarm_name => a },
    { for k, a in aws_cloudwatch_metric_alarm.service_metric : a.alarm_name => a },
    { for k, a in aws_cloudwatch_metric_alarm.database : a.alarm_name => a },
    { for k, a in aws_cloudwatch_metric_alarm.broker : a.alarm_name => a },
    { for a in concat(aws_cloudwatch_metric_alarm.ecs_broker_memory, aws_cloudwatch_metric_alarm.ecs_broker_down) : a.alarm_name => a },
    { (aws_cloudwatch_metric_alarm.elb_5xx.alarm_name) = aws_cloudwatch_metric_alarm.elb_5xx },
  )
  alarm_arns = sort([for a in values(local.alarms) : a.arn])
  rollback_alarms = {
    target_5xx      = { for name in keys(var.services) : name => aws_cloudwatch_metric_alarm.target_5xx[name] }
    unhealthy_hosts = { for name in keys(var.services) : name => aws_cloudwatch_metric_alarm.target_group["${name}-unhealthy-hosts"] }
    p99_latency     = { for name in keys(var.services) : name => aws_cloudwatch_metric_alarm.target_group["${name}-p99-latency"] }
  }
}

output "topic_arn" {
  description = "The alarm topic (encrypted with the platform's key): subscribe more endpoints to it."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Every alarm's name."
  value       = sort(keys(local.alarms))
}

output "alarms" {
  description = "Every alarm: name => { the metrics or expression it watches (namespace/metric or expression per query id), comparison, threshold, periods, actions }."
  value = {
    for name, a in local.alarms : name => {
      namespace          = a.namespace
      metric_name        = a.metric_name
      dimensions         = a.dimensions
      statistic          = a.statistic
      queries            = { for q in a.metric_query : q.id => coalesce(q.expression, try("${one(q.metric).namespace}/${one(q.metric).metric_name}:${one(q.metric).stat}", "")) }
      comparison         = a.comparison_operator
      threshold          = a.threshold
      evaluation_periods = a.evaluation_periods
      alarm_actions      = a.alarm_actions
      ok_actions         = a.ok_actions
      treat_missing_data = a.treat_missing_data
    }
  }
}

output "rollback_alarm_names" {
  description = "Per service, the alarms its deployments roll back on (rollback_on)."
  value       = { for name in keys(var.services) : name => sort([for kind in var.rollback_on : local.rollback_alarms[kind][name].alarm_name]) }
}

output "dashboard_name" {
  description = "The environment's CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "dashboard_widgets" {
  description = "The dashboard's widgets, by title: type, and the metrics or query each shows (what the tests check)."
  value = {
    for w in local.widgets : try(w.properties.title, "text") => {
      type    = w.type
      metrics = try(w.properties.metrics, [])
      query   = try(w.properties.query, null)
    }
  }
}

output "query_definitions" {
  description = "The saved Logs Insights queries: name => { query, log groups }."
  value       = { for k, q in aws_cloudwatch_query_definition.this : q.name => { query = q.query_string, log_groups = q.log_group_names } }
}

output "budget" {
  description = "The monthly budget, if any: limit (USD), the cost filter and the notifications (type, threshold %, topics)."
  value = try({
    limit         = aws_budgets_budget.monthly[0].limit_amount
    cost_filter   = { for f in aws_budgets_budget.monthly[0].cost_filter : f.name => f.values }
    notifications = [for n in aws_budgets_budget.monthly[0].notification : { type = n.notification_type, threshold = n.threshold, topics = n.subscriber_sns_topic_arns }]
  }, null)
}

output "email_subscription" {
  description = "The email subscribed to the alarm topic (null: none)."
  value       = try(aws_sns_topic_subscription.email[0].endpoint, null)
}
