# moved.tf, tried: the stack planned over a state of an earlier layout keeps what it moved. A
# resource that a move missed would be planned as a new one, whose ARN is unknown until it is
# created; a moved one keeps the ARN it has in the state. (The mocked provider creates nothing.)

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

variables {
  environment     = "production"
  enable_ecs_exec = true
}

# The cluster, its capacity providers and ECS Exec's log group where modules/ecs had them.
run "before_the_ecs_cluster_module" {
  state_key = "ecs_cluster_move"
  module {
    source = "./tests/fixtures/before-ecs-cluster"
  }
  variables {
    name        = "platform-production"
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
  override_resource {
    target = module.ecs.aws_ecs_cluster.this
    values = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-production", id = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-production" }
  }
  override_resource {
    target = module.ecs.aws_cloudwatch_log_group.exec
    values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/platform-production/exec" }
  }
}

run "the_stack_keeps_that_cluster" {
  state_key = "ecs_cluster_move"
  command   = plan

  assert {
    condition     = module.ecs_cluster.arn == run.before_the_ecs_cluster_module.cluster_arn && output.deploy_targets["customer"].cluster == "platform-production"
    error_message = "the cluster moved to module.ecs_cluster (not replaced: its ARN is the one in the state)"
  }

  assert {
    condition     = module.ecs_cluster.exec_log_group_arn == run.before_the_ecs_cluster_module.exec_log_group_arn
    error_message = "ECS Exec's log group moved with it (not replaced)"
  }
}
