# Alarms, a dashboard, saved Logs Insights queries and a budget for one environment; every alarm
# and the budget alert go to one SNS topic, encrypted with the platform's key.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account    = data.aws_caller_identity.current.account_id
  amazon_mq  = var.broker.kind == "amazon-mq"
  ecs_broker = var.broker.kind == "ecs"
  actions    = [aws_sns_topic.alarms.arn]

  # RabbitMQ blocks publishers at its memory high watermark, 40% of the instance's memory; the
  # alarm's default is 80% of that (instance memory in MiB by Amazon MQ instance type).
  broker_memory_mib = {
    "mq.t3.micro"   = 1024
    "mq.m5.large"   = 8192
    "mq.m5.xlarge"  = 16384
    "mq.m5.2xlarge" = 32768
    "mq.m5.4xlarge" = 65536
  }
  mq_memory_alarm_mib = coalesce(var.thresholds.mq_memory_mib, floor(lookup(local.broker_memory_mib, coalesce(var.broker.instance_type, "mq.t3.micro"), 1024) * 0.4 * 0.8))
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

# CloudWatch alarms and AWS Budgets of this account publish; the account administers the topic.
data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "AccountAdministers"
    actions   = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account}:root"]
    }
  }

  statement {
    sid       = "AlarmsAndBudgetsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
