# The broker's network access, in the main stack: the broker itself, whose user's password is a
# plain argument of aws_mq_broker and so sits in its state, is in the credentials stack
# (modules/messaging), whose state only the deploy role can read.

resource "aws_security_group" "broker" {
  #checkov:skip=CKV2_AWS_5:attached to the broker by the credentials stack (modules/messaging), which checkov scans as another root; it stays here because the tasks' egress rule (modules/ecs) refers to it and the credentials stack reads this stack's outputs, so owning it there would make each stack wait for the other
  name        = "${var.name}-mq"
  description = "Amazon MQ: AMQPS from the service tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-mq" })
}

resource "aws_vpc_security_group_ingress_rule" "amqps_from_tasks" {
  security_group_id            = aws_security_group.broker.id
  description                  = "AMQPS from the service tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5671
  to_port                      = 5671
  referenced_security_group_id = var.client_security_group_id
}

# The RabbitMQ management API (HTTPS) from the tasks, only while an operator changes the broker
# user's password through an ECS Exec port forward (docs/SECURITY.md); off otherwise. The tasks
# already hold the broker user's credentials, so this opens no new privilege while it is on.
resource "aws_vpc_security_group_ingress_rule" "management_from_tasks" {
  count                        = var.management_access ? 1 : 0
  security_group_id            = aws_security_group.broker.id
  description                  = "RabbitMQ management API (HTTPS) from the service tasks, for a password change"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.client_security_group_id
}
