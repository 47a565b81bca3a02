# One dashboard per environment. CloudWatch places widgets given without x and y in order, left
# to right; each is 8 or 12 wide (24 is the dashboard's width). Per service, the load balancer's
# metrics add the two target groups up (a blue/green deployment serves from either).

locals {
  elb = "AWS/ApplicationELB"
  # Hidden per-target-group metrics and one visible expression per service: id <prefix><i><n>.
  per_service_elb = {
    for metric, stat in { requests = "Sum", target_4xx = "Sum", target_5xx = "Sum", p50 = "p50", p99 = "p99" } : metric => concat([
      for i, name in keys(var.services) : concat(
        [for n, tg in var.services[name].target_group_arn_suffixes : [local.elb, {
          requests = "RequestCount", target_4xx = "HTTPCode_Target_4XX_Count", target_5xx = "HTTPCode_Target_5XX_Count", p50 = "TargetResponseTime", p99 = "TargetResponseTime"
        }[metric], "TargetGroup", tg, "LoadBalancer", var.load_balancer_arn_suffix, { id = "m${i}x${n}", visible = false, stat = stat }]],
        [[{
          id    = "e${i}"
          label = name
          expression = contains(["p50", "p99"], metric) ? "MAX([${join(", ", [for n, _ in var.services[name].target_group_arn_suffixes : "FILL(m${i}x${n}, 0)"])}])" : join(" + ", [
            for n, _ in var.services[name].target_group_arn_suffixes : "FILL(m${i}x${n}, 0)"
          ])
        }]],
      )
    ]...)
  }
  emf = var.metrics_namespace
  per_service_emf = {
    for metric, stat in { OutboxOldestAgeSeconds = "Maximum", OutboxUnsent = "Maximum", DeadLetterMessages = "Maximum", EventsPublished = "Sum", EventsHandled = "Sum", EventHandlerFailures = "Sum" } : metric => [
      for name in keys(var.services) : [local.emf, metric, "Service", name, { label = name, stat = stat }]
    ]
  }
  per_service_ecs = {
    for metric in ["CPUUtilization", "MemoryUtilization"] : metric => [
      for name in keys(var.services) : ["AWS/ECS", metric, "ClusterName", var.cluster_name, "ServiceName", name, { label = name, stat = "Average" }]
    ]
  }
  per_instance_docdb = {
    for metric, stat in { CPUUtilization = "Average", DatabaseConnections = "Maximum", FreeableMemory = "Minimum" } : metric => [
      for id in var.database.instance_identifiers : ["AWS/DocDB", metric, "DBInstanceIdentifier", id, { label = id, stat = stat }]
    ]
  }

  graph = { view = "timeSeries", region = var.region, period = 60 }

  # Amazon MQ's node metrics (Metrics Insights over the broker's nodes) and its message counts.
  amazon_mq_widgets = [for w in [
    {
      type = "metric", width = 8, height = 6
      properties = merge(local.graph, { title = "Broker memory used and limit (bytes)", metrics = [
        [{ id = "used", label = "used", expression = "SELECT MAX(RabbitMQMemUsed) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'" }],
        [{ id = "limit", label = "limit (high watermark)", expression = "SELECT MIN(RabbitMQMemLimit) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'" }],
      ] })
    },
    {
      type = "metric", width = 8, height = 6
      properties = merge(local.graph, { title = "Broker free disk and limit (bytes)", metrics = [
        [{ id = "free", label = "free", expression = "SELECT MIN(RabbitMQDiskFree) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'" }],
        [{ id = "limit", label = "limit", expression = "SELECT MAX(RabbitMQDiskFreeLimit) FROM SCHEMA(\"AWS/AmazonMQ\", Broker, Node) WHERE Broker = '${var.broker.name}'" }],
      ] })
    },
    {
      type = "metric", width = 8, height = 6
      properties = merge(local.graph, { title = "Broker messages and connections", stat = "Maximum", metrics = [
        for m in ["MessageCount", "MessageUnacknowledgedCount", "ConnectionCount", "ConsumerCount"] : ["AWS/AmazonMQ", m, "Broker", var.broker.name, { label = m }]
      ] })
    },
  ] : w if local.amazon_mq]
  # The ECS broker (modules/broker): its task's CPU and memory (RabbitMQ blocks publishers at 40% of
  # the memory), and whether it runs.
  ecs_broker_widgets = [for w in [
    {
      type = "metric", width = 12, height = 6
      properties = merge(local.graph, { title = "Broker task CPU and memory (%)", yAxis = { left = { min = 0, max = 100 } }, metrics = [
        for m in ["CPUUtilization", "MemoryUtilization"] : ["AWS/ECS", m, "ClusterName", var.cluster_name, "ServiceName", var.broker.name, { label = m, stat = "Maximum" }]
      ] })
    },
    {
      type = "metric", width = 12, height = 6
      properties = merge(local.graph, { title = "Broker task running (samples per minute)", stat = "SampleCount", metrics = [
        ["AWS/ECS", "CPUUtilization", "ClusterName", var.cluster_name, "ServiceName", var.broker.name, { label = "broker" }]
      ] })
    },
  ] : w if local.ecs_broker]


  widgets = concat(
    [
      {
        type       = "text", width = 24, height = 2
        properties = { markdown = "## ${var.name}\nAlarms, their meaning and first action: docs/OBSERVABILITY.md. Saved queries: CloudWatch > Logs Insights > Queries > ${var.name}/. Per service, load balancer figures add up both target groups (blue/green)." }
      },
      {
        type       = "alarm", width = 24, height = 4
        properties = { title = "Alarms", alarms = local.alarm_arns }
      },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Requests per minute", stat = "Sum", metrics = local.per_service_elb.requests }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Latency p50 (s)", metrics = local.per_service_elb.p50 }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Latency p99 (s)", metrics = local.per_service_elb.p99 }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "4xx answers per minute", metrics = local.per_service_elb.target_4xx }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "5xx answers per minute (services)", metrics = local.per_service_elb.target_5xx }) },
      {
        type = "metric", width = 8, height = 6
        properties = merge(local.graph, { title = "Load balancer 5xx and rejected connections", stat = "Sum", metrics = [
          [local.elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.load_balancer_arn_suffix, { label = "load balancer 5xx" }],
          [local.elb, "RejectedConnectionCount", "LoadBalancer", var.load_balancer_arn_suffix, { label = "rejected connections" }],
        ] })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.graph, { title = "Order saga: orders per minute", stat = "Sum", metrics = [
          for m in ["OrdersPlaced", "OrdersConfirmed", "OrdersRejected"] : [local.emf, m, "Service", "shopping", { label = m }]
        ] })
      },
      {
        type = "metric", width = 12, height = 6
        properties = merge(local.graph, { title = "Order settle time, placed to confirmed or rejected (s)", metrics = [
          for stat in ["p50", "p99", "Maximum"] : [local.emf, "OrderSettleSeconds", "Service", "shopping", { label = stat, stat = stat }]
        ] })
      },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Outbox: oldest unsent event (s)", metrics = local.per_service_emf.OutboxOldestAgeSeconds }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Outbox: unsent events", metrics = local.per_service_emf.OutboxUnsent }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Dead-letter queue depth", metrics = local.per_service_emf.DeadLetterMessages }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Events published per minute", metrics = local.per_service_emf.EventsPublished }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Events handled per minute", metrics = local.per_service_emf.EventsHandled }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "Event handler failures per minute", metrics = local.per_service_emf.EventHandlerFailures }) },
      { type = "metric", width = 12, height = 6, properties = merge(local.graph, { title = "ECS CPU (%)", metrics = local.per_service_ecs.CPUUtilization, yAxis = { left = { min = 0, max = 100 } } }) },
      { type = "metric", width = 12, height = 6, properties = merge(local.graph, { title = "ECS memory (%)", metrics = local.per_service_ecs.MemoryUtilization, yAxis = { left = { min = 0, max = 100 } } }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "DocumentDB CPU (%)", metrics = local.per_instance_docdb.CPUUtilization }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "DocumentDB connections", metrics = local.per_instance_docdb.DatabaseConnections }) },
      { type = "metric", width = 8, height = 6, properties = merge(local.graph, { title = "DocumentDB freeable memory (bytes)", metrics = local.per_instance_docdb.FreeableMemory }) },
    ],
    local.amazon_mq_widgets,
    local.ecs_broker_widgets,
    [
      {
        type = "log", width = 24, height = 6
        properties = {
          title  = "Latest errors"
          region = var.region
          view   = "table"
          query  = "${join(" | ", [for g in local.log_groups : "SOURCE '${g}'"])} | ${local.queries["errors-latest"]}"
        }
      },
    ],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}
