# The credentials stack: what Terraform must know or write the value of, kept apart from the main
# stack so that the main state, which pull-request plans read, holds no secret value. Its state
# (credentials/<environment>.tfstate) holds the broker user's password (Amazon MQ takes it as a
# plain argument); only the deploy role can read it. Applied after the main stack, from whose
# state it takes the ids it needs (no secret there).

data "terraform_remote_state" "main" {
  backend = "s3"
  config = {
    bucket = var.state_bucket
    key    = coalesce(var.main_state_key, "platform/${var.environment}.tfstate")
    region = var.region
  }
}

locals {
  main = data.terraform_remote_state.main.outputs.credentials_inputs
  # Which broker the main stack runs (its variable broker; a main state from before the option
  # has no such field: Amazon MQ).
  amazon_mq = try(local.main.broker, "amazon-mq") == "amazon-mq"
}

# The first value of the JWT keys (written once, never in a plan or a state).
module "jwt_keys" {
  source     = "../modules/jwt-keys"
  secret_arn = local.main.jwt_keys_secret_arn
}

# Amazon MQ (broker = "amazon-mq"), and the first value of AMQP_URL.
module "messaging" {
  count               = local.amazon_mq ? 1 : 0
  source              = "../modules/messaging"
  name                = local.main.prefix
  subnet_ids          = local.main.broker_subnet_ids
  security_group_id   = local.main.broker_security_group_id
  amqp_url_secret_arn = local.main.amqp_url_secret_arn
  deployment_mode     = local.main.broker_deployment_mode
  instance_type       = local.main.broker_instance_type
  engine_version      = local.main.broker_engine_version
}

# The ECS broker (broker = "ecs", the main stack's modules/broker runs it): no Amazon MQ; the first
# value of AMQP_URL, with the password the broker creates its user with.
module "broker_credentials" {
  count      = local.amazon_mq ? 0 : 1
  source     = "../modules/broker-credentials"
  secret_arn = local.main.amqp_url_secret_arn
  host       = local.main.broker_host
  port       = local.main.broker_port
  username   = local.main.broker_username
}
