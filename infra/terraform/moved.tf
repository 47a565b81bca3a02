# State moves from the layout before the credentials stack existed (the broker and every secret
# value lived in this stack's state). For a stack deployed with that layout: the broker's security
# group and the AMQP_URL secret stay where they are; the broker and the AMQP_URL value are
# forgotten here, not destroyed, so that the services keep running on them until the credentials
# stack's new broker and URL are rolled out (docs/FORKING.md, "Upgrading"). The JWT secret, the
# broker admin secret and the MONGO_URL secrets of that layout are destroyed: the task definitions
# stop naming them in the same apply.

moved {
  from = module.messaging.aws_security_group.broker
  to   = module.messaging_access.aws_security_group.broker
}

moved {
  from = module.messaging.aws_vpc_security_group_ingress_rule.amqps_from_tasks
  to   = module.messaging_access.aws_vpc_security_group_ingress_rule.amqps_from_tasks
}

moved {
  from = module.messaging.aws_secretsmanager_secret.amqp_url
  to   = module.secrets.aws_secretsmanager_secret.amqp_url
}

removed {
  from = module.messaging.aws_mq_broker.this

  lifecycle {
    destroy = false
  }
}

removed {
  from = module.messaging.aws_secretsmanager_secret_version.amqp_url

  lifecycle {
    destroy = false
  }
}

# The ECS cluster, its capacity providers and ECS Exec's log group left modules/ecs for a module of
# their own (modules/ecs-cluster, which checkov can render): the same cluster, not a new one.
# tests/moved.tftest.hcl plans this stack over a state of the earlier layout and finds them kept.
moved {
  from = module.ecs.aws_ecs_cluster.this
  to   = module.ecs_cluster.aws_ecs_cluster.this
}

moved {
  from = module.ecs.aws_ecs_cluster_capacity_providers.this
  to   = module.ecs_cluster.aws_ecs_cluster_capacity_providers.this
}

moved {
  from = module.ecs.aws_cloudwatch_log_group.exec
  to   = module.ecs_cluster.aws_cloudwatch_log_group.exec
}
