# Per service: error rate, latency, unhealthy targets (both target groups: a blue/green deployment
# serves from either), CPU and memory, and the services' own metrics (dead letters, outbox age).
# Then the load balancer, DocumentDB and the broker. Every alarm notifies the topic when it goes
# off and when it recovers; no data (a service scaled to zero at night) is no alarm.

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each            = var.services
  alarm_name          = "${var.name}-${each.key}-target-5xx"
  alarm_description   = "${each.key}: more than ${var.thresholds.http_5xx_percent}% of requests answered 5xx by the service in 3 of 5 minutes. docs/OBSERVABILITY.md#target-5xx"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.http_5xx_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Service = each.key })

  dynamic "metric_query" {
    for_each = { for pair in setproduct(range(length(each.value.target_group_arn_suffixes)), ["errors", "requests"]) : "${pair[1]}${pair[0]}" => { tg = each.value.target_group_arn_suffixes[pair[0]], metric = pair[1] == "errors" ? "HTTPCode_Target_5XX_Count" : "RequestCount" } }
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value.metric
        dimensions  = { LoadBalancer = var.load_balancer_arn_suffix, TargetGroup = metric_query.value.tg }
        period      = 60
        stat        = "Sum"
      }
    }
  }

  metric_query {
    id         = "errors"
    expression = join(" + ", [for i, _ in each.value.target_group_arn_suffixes : "FILL(errors${i}, 0)"])
  }

  metric_query {
    id         = "requests"
    expression = join(" + ", [for i, _ in each.value.target_group_arn_suffixes : "FILL(requests${i}, 0)"])
  }

  metric_query {
    id          = "rate"
    label       = "5xx answers, % of requests"
    expression  = "IF(requests >= ${var.thresholds.min_requests_per_minute}, 100 * errors / requests, 0)"
    return_data = true
  }
}

# The slower, or the worse, of the service's two target groups: p99 response time and unhealthy
# targets.
locals {
  target_group_alarms = {
    p99-latency = {
      metric = "TargetResponseTime", stat = "p99", threshold = var.thresholds.p99_latency_seconds, periods = 5
      label  = "p99 response time (s), the slower target group"
      what   = "99th percentile response time above ${var.thresholds.p99_latency_seconds} s for 5 minutes"
    }
    unhealthy-hosts = {
      metric = "UnHealthyHostCount", stat = "Maximum", threshold = 0, periods = 3
      label  = "unhealthy targets"
      what   = "a task failing the load balancer's health check (<path>/health) for 3 minutes"
    }
  }
  target_group_alarm_pairs = {
    for pair in setproduct(keys(var.services), keys(local.target_group_alarms)) : "${pair[0]}-${pair[1]}" => {
      service = pair[0]
      kind    = pair[1]
      alarm   = local.target_group_alarms[pair[1]]
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "target_group" {
  for_each            = local.target_group_alarm_pairs
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.service}: ${each.value.alarm.what}. docs/OBSERVABILITY.md#${each.value.kind}"
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.alarm.threshold
  evaluation_periods  = each.value.alarm.periods
  datapoints_to_alarm = each.value.alarm.periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Service = each.value.service })

  dynamic "metric_query" {
    for_each = var.services[each.value.service].target_group_arn_suffixes
    content {
      id = "tg${metric_query.key}"
      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = each.value.alarm.metric
        dimensions  = { LoadBalancer = var.load_balancer_arn_suffix, TargetGroup = metric_query.value }
        period      = 60
        stat        = each.value.alarm.stat
      }
    }
  }

  metric_query {
    id          = "worst"
    label       = each.value.alarm.label
    expression  = "MAX([${join(", ", [for i, _ in var.services[each.value.service].target_group_arn_suffixes : "FILL(tg${i}, 0)"])}])"
    return_data = true
  }
}

locals {
  # The single-metric alarms, per service: the ECS service's CPU and memory, the services' own
  # EMF metrics (METRICS_NAMESPACE, dimension Service).
  service_metric_alarms = {
    cpu = {
      namespace = "AWS/ECS", metric = "CPUUtilization", stat = "Average", threshold = var.thresholds.cpu_percent, periods = 5
      what      = "average CPU above ${var.thresholds.cpu_percent}% for 5 minutes (autoscaling should have added tasks: is it at max_count?)"
    }
    memory = {
      namespace = "AWS/ECS", metric = "MemoryUtilization", stat = "Average", threshold = var.thresholds.memory_percent, periods = 5
      what      = "average memory above ${var.thresholds.memory_percent}% for 5 minutes"
    }
    dead-letters = {
      namespace = var.metrics_namespace, metric = "DeadLetterMessages", stat = "Maximum", threshold = var.thresholds.dead_letters, periods = 2
      what      = "more than ${var.thresholds.dead_letters} messages in the service's dead-letter queue"
    }
    outbox-age = {
      namespace = var.metrics_namespace, metric = "OutboxOldestAgeSeconds", stat = "Maximum", threshold = var.thresholds.outbox_age_seconds, periods = 3
      what      = "an event waiting more than ${var.thresholds.outbox_age_seconds} s to be published, for 3 minutes"
    }
  }
  service_metric_alarm_pairs = {
    for pair in setproduct(keys(var.services), keys(local.service_metric_alarms)) : "${pair[0]}-${pair[1]}" => {
      service = pair[0]
      kind    = pair[1]
      alarm   = local.service_metric_alarms[pair[1]]
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "service_metric" {
  for_each            = local.service_metric_alarm_pairs
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = "${each.value.service}: ${each.value.alarm.what}. docs/OBSERVABILITY.md#${each.value.kind}"
  namespace           = each.value.alarm.namespace
  metric_name         = each.value.alarm.metric
  dimensions          = each.value.alarm.namespace == "AWS/ECS" ? { ClusterName = var.cluster_name, ServiceName = each.value.service } : { Service = each.value.service }
  statistic           = each.value.alarm.stat
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.alarm.threshold
  evaluation_periods  = each.value.alarm.periods
  datapoints_to_alarm = each.value.alarm.periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = merge(var.tags, { Service = each.value.service })
}

resource "aws_cloudwatch_metric_alarm" "elb_5xx" {
  alarm_name          = "${var.name}-load-balancer-5xx"
  alarm_description   = "The load balancer itself answered 5xx (no healthy target, a target unreachable or timing out) to more than ${var.thresholds.http_5xx_percent}% of requests in 3 of 5 minutes. docs/OBSERVABILITY.md#load-balancer-5xx"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.http_5xx_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.load_balancer_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      dimensions  = { LoadBalancer = var.load_balancer_arn_suffix }
      period      = 60
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "rate"
    label       = "load balancer 5xx, % of requests"
    expression  = "IF(FILL(requests, 0) >= ${var.thresholds.min_requests_per_minute}, 100 * FILL(errors, 0) / requests, 0)"
    return_data = true
  }
}

locals {
  database_alarms = {
    cpu = {
      metric = "CPUUtilization", stat = "Average", operator = "GreaterThanThreshold", threshold = var.thresholds.docdb_cpu_percent
      what   = "CPU above ${var.thresholds.docdb_cpu_percent}% for 5 minutes (T instances then spend CPU credits, billed beyond the baseline)"
    }
    connections = {
      metric = "DatabaseConnections", stat = "Maximum", operator = "GreaterThanThreshold", threshold = var.thresholds.docdb_connections
      what   = "more than ${var.thresholds.docdb_connections} connections for 5 minutes"
    }
    freeable-memory = {
      metric = "FreeableMemory", stat = "Minimum", operator = "LessThanThreshold", threshold = var.thresholds.docdb_freeable_memory_mib * 1048576
      what   = "less than ${var.thresholds.docdb_freeable_memory_mib} MiB of freeable memory for 5 minutes"
    }
  }
  database_alarm_pairs = {
    for pair in setproduct(var.database.instance_identifiers, keys(local.database_alarms)) : "${pair[0]}-${pair[1]}" => {
      instance = pair[0]
      kind     = pair[1]
      alarm    = local.database_alarms[pair[1]]
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "database" {
  for_each            = local.database_alarm_pairs
  alarm_name          = "${var.name}-docdb-${each.key}"
  alarm_description   = "DocumentDB instance ${each.value.instance}: ${each.value.alarm.what}. docs/OBSERVABILITY.md#docdb-${each.value.kind}"
  namespace           = "AWS/DocDB"
  metric_name         = each.value.alarm.metric
  dimensions          = { DBInstanceIdentifier = each.value.instance }
  statistic           = each.value.alarm.stat
  period              = 60
  comparison_operator = each.value.alarm.operator
  threshold           = each.value.alarm.threshold
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

# RabbitMQ's memory and disk are node metrics (dimensions Broker and Node, the node's name known
# only once the broker runs): Metrics Insights queries over the broker's nodes.
locals {
  broker_alarms = !local.amazon_mq ? {} : {
    memory = {
      query     = "SELECT MAX(RabbitMQMemUsed) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'"
      operator  = "GreaterThanThreshold"
      threshold = local.mq_memory_alarm_mib * 1048576
      what      = "a node using more than ${local.mq_memory_alarm_mib} MiB of memory for 5 minutes (RabbitMQ blocks publishers at its high watermark)"
    }
    disk = {
      query     = "SELECT MIN(RabbitMQDiskFree) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'"
      operator  = "LessThanThreshold"
      threshold = var.thresholds.mq_disk_free_mib * 1048576
      what      = "a node with less than ${var.thresholds.mq_disk_free_mib} MiB of free disk for 5 minutes (RabbitMQ blocks publishers at its free disk limit)"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "broker" {
  for_each            = local.broker_alarms
  alarm_name          = "${var.name}-mq-${each.key}"
  alarm_description   = "Amazon MQ broker ${var.broker.name}: ${each.value.what}. docs/OBSERVABILITY.md#mq-${each.key}"
  comparison_operator = each.value.operator
  threshold           = each.value.threshold
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "node"
    expression  = each.value.query
    period      = 60
    return_data = true
  }
}

# The ECS broker (modules/broker): its task's memory (AWS/ECS, no Container Insights needed), and
# no broker task while a service task runs (a broker down for 5 minutes: a Spot reclaim's
# replacement takes one or two). At night both are scaled to zero: no data is no alarm; the
# broker starts before the services and stops after them.
resource "aws_cloudwatch_metric_alarm" "ecs_broker_memory" {
  count               = local.ecs_broker ? 1 : 0
  alarm_name          = "${var.name}-broker-memory"
  alarm_description   = "ECS broker: the task using more than ${var.thresholds.ecs_broker_memory_percent}% of its memory for 5 minutes (RabbitMQ blocks publishers at 40%). docs/OBSERVABILITY.md#broker-memory"
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = var.cluster_name, ServiceName = var.broker.name }
  statistic           = "Maximum"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.ecs_broker_memory_percent
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "ecs_broker_down" {
  count               = local.ecs_broker ? 1 : 0
  alarm_name          = "${var.name}-broker-down"
  alarm_description   = "ECS broker: no broker task running for 5 minutes while services run (the services cannot publish or consume; the outbox keeps their events). docs/OBSERVABILITY.md#broker-down"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  # A running task reports CPUUtilization every minute: its sample count is the sign of life.
  dynamic "metric_query" {
    for_each = merge({ broker = var.broker.name }, { for i, s in sort(keys(var.services)) : "service${i}" => s })
    content {
      id = metric_query.key
      metric {
        namespace   = "AWS/ECS"
        metric_name = "CPUUtilization"
        dimensions  = { ClusterName = var.cluster_name, ServiceName = metric_query.value }
        period      = 60
        stat        = "SampleCount"
      }
    }
  }

  metric_query {
    id          = "down"
    label       = "1 when a service runs and the broker does not"
    expression  = "IF((${join(" + ", [for i, _ in sort(keys(var.services)) : "FILL(service${i}, 0)"])}) > 0 AND FILL(broker, 0) == 0, 1, 0)"
    return_data = true
  }
}
