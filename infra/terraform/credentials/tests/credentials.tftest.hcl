# The credentials stack planned and applied with a mocked AWS provider and a made-up main stack
# state (nothing is created): the values it writes are write-only, and everything it needs comes
# from the main stack's outputs.

mock_provider "aws" {
  source = "../tests/mocks"
}

variables {
  environment  = "production"
  state_bucket = "platform-tfstate-123456789012-eu-west-1"
}

override_data {
  target = data.terraform_remote_state.main
  values = {
    outputs = {
      credentials_inputs = {
        prefix                   = "platform-production"
        region                   = "eu-west-1"
        log_retention_days       = 30
        jwt_keys_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0001"
        amqp_url_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0002"
        broker_subnet_ids        = ["subnet-a", "subnet-b"]
        broker_security_group_id = "sg-mq"
        broker_deployment_mode   = "SINGLE_INSTANCE"
        broker_instance_type     = "mq.t3.micro"
        broker_engine_version    = "3.13"
      }
    }
  }
}

run "credentials" {
  command = apply

  assert {
    condition     = data.terraform_remote_state.main.config.key == "platform/production.tfstate" && data.terraform_remote_state.main.config.bucket == var.state_bucket
    error_message = "the main stack's state is read from its own key in the state bucket"
  }

  assert {
    condition = (
      module.jwt_keys.initial_version_id != null &&
      output.jwt_keys_initial_version_id == module.jwt_keys.initial_version_id
    )
    error_message = "the JWT keys get their first value"
  }

  assert {
    condition     = output.log_retention_days == 30 && output.broker_console_url == "https://b-1.mq.eu-west-1.amazonaws.com"
    error_message = "the deploy workflow gets the broker's retention and management endpoint"
  }

  assert {
    condition     = length(module.messaging) == 1 && length(module.broker_credentials) == 0 && output.broker == "amazon-mq"
    error_message = "a main state without the broker field (before the option) or with broker = amazon-mq: the credentials stack creates Amazon MQ"
  }
}

run "jwt_keys_first_value_is_write_only" {
  command = apply
  module {
    source = "../modules/jwt-keys"
  }
  variables {
    secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/jwt-keys-Jw0001"
  }

  assert {
    condition = (
      aws_secretsmanager_secret_version.initial.secret_id == var.secret_arn &&
      aws_secretsmanager_secret_version.initial.secret_string == null &&
      aws_secretsmanager_secret_version.initial.secret_string_wo == null &&
      aws_secretsmanager_secret_version.initial.secret_string_wo_version == 1
    )
    error_message = "the key is written write-only, once (version 1): neither the plan nor the state holds it"
  }

  assert {
    condition     = contains(aws_secretsmanager_secret_version.initial.version_stages, "terraform-initial") && contains(aws_secretsmanager_secret_version.initial.version_stages, "AWSCURRENT")
    error_message = "the first value is current, and labelled so that Secrets Manager never deletes it as rotations pile up"
  }

  assert {
    condition = (
      can(regex("^[0-9a-f]{64}$", jsondecode(local.initial_value).signing)) &&
      jsondecode(local.initial_value).accepted == "" &&
      length(keys(jsondecode(local.initial_value))) == 2
    )
    error_message = "the first value is {\"signing\": 64 hex characters (256 bits), \"accepted\": \"\"}"
  }
}

run "broker" {
  command = apply
  module {
    source = "../modules/messaging"
  }
  variables {
    name                = "platform-production"
    subnet_ids          = ["subnet-a", "subnet-b"]
    security_group_id   = "sg-mq"
    amqp_url_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0002"
  }

  assert {
    condition     = aws_mq_broker.this.publicly_accessible == false && aws_mq_broker.this.engine_type == "RabbitMQ" && aws_mq_broker.this.deployment_mode == "SINGLE_INSTANCE" && aws_mq_broker.this.subnet_ids == toset(["subnet-a"]) && aws_mq_broker.this.security_groups == toset(["sg-mq"])
    error_message = "a private single-instance RabbitMQ broker in the main stack's security group"
  }

  assert {
    condition = (
      aws_secretsmanager_secret_version.amqp_url.secret_id == var.amqp_url_secret_arn &&
      aws_secretsmanager_secret_version.amqp_url.secret_string == null &&
      aws_secretsmanager_secret_version.amqp_url.secret_string_wo_version == 1 &&
      contains(aws_secretsmanager_secret_version.amqp_url.version_stages, "terraform-initial")
    )
    error_message = "AMQP_URL's first value is written write-only: the URL with its password is not in the state"
  }

  assert {
    condition     = one(aws_mq_broker.this.logs).general == true
    error_message = "the broker logs (the deploy workflow gives that group a retention and the platform key)"
  }
}

run "broker_cluster" {
  command = plan
  module {
    source = "../modules/messaging"
  }
  variables {
    name                = "platform-production"
    subnet_ids          = ["subnet-a", "subnet-b"]
    security_group_id   = "sg-mq"
    amqp_url_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0002"
    deployment_mode     = "CLUSTER_MULTI_AZ"
    instance_type       = "mq.m5.large"
  }

  assert {
    condition     = aws_mq_broker.this.deployment_mode == "CLUSTER_MULTI_AZ" && aws_mq_broker.this.subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "a cluster spreads over the subnets"
  }
}

run "broker_cluster_needs_a_bigger_instance" {
  command = plan
  module {
    source = "../modules/messaging"
  }
  variables {
    name                = "platform-production"
    subnet_ids          = ["subnet-a", "subnet-b"]
    security_group_id   = "sg-mq"
    amqp_url_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-production/amqp-url-Am0002"
    deployment_mode     = "CLUSTER_MULTI_AZ"
  }
  expect_failures = [var.instance_type]
}

# broker = "ecs" in the main stack: no Amazon MQ here; AMQP_URL's first value, with the password
# the ECS broker creates its user with, written write-only.
run "ecs_broker" {
  command = apply

  override_data {
    target = data.terraform_remote_state.main
    values = {
      outputs = {
        credentials_inputs = {
          prefix                   = "platform-dev"
          region                   = "eu-west-1"
          log_retention_days       = 7
          jwt_keys_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-dev/jwt-keys-Jw0001"
          amqp_url_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-dev/amqp-url-Am0002"
          broker_subnet_ids        = ["subnet-a", "subnet-b"]
          broker_security_group_id = "sg-mq"
          broker_deployment_mode   = "SINGLE_INSTANCE"
          broker_instance_type     = "mq.t3.micro"
          broker_engine_version    = "3.13"
          broker                   = "ecs"
          broker_host              = "broker.platform-dev.internal"
          broker_port              = 5672
          broker_username          = "platform"
        }
      }
    }
  }

  assert {
    condition     = length(module.messaging) == 0 && output.broker == "ecs" && output.broker_id == null && output.broker_console_url == null
    error_message = "with the ECS broker the credentials stack creates no Amazon MQ broker (and the deploy workflow finds no broker log group to set)"
  }

  assert {
    condition     = length(module.broker_credentials) == 1 && module.broker_credentials[0].initial_version_id != null && module.jwt_keys.initial_version_id != null
    error_message = "AMQP_URL and the JWT keys get their first values"
  }
}

run "ecs_broker_credentials_are_write_only" {
  command = apply
  module {
    source = "../modules/broker-credentials"
  }
  variables {
    secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-dev/amqp-url-Am0002"
    host       = "broker.platform-dev.internal"
  }

  assert {
    condition = (
      aws_secretsmanager_secret_version.initial.secret_id == var.secret_arn &&
      aws_secretsmanager_secret_version.initial.secret_string == null &&
      aws_secretsmanager_secret_version.initial.secret_string_wo == null &&
      aws_secretsmanager_secret_version.initial.secret_string_wo_version == 1 &&
      contains(aws_secretsmanager_secret_version.initial.version_stages, "terraform-initial")
    )
    error_message = "the broker's password is written write-only, once: neither the plan nor the state holds it"
  }

  assert {
    condition = (
      can(regex("^[0-9a-f]{40}$", jsondecode(local.value).password)) &&
      jsondecode(local.value).url == "amqp://platform:${jsondecode(local.value).password}@broker.platform-dev.internal:5672" &&
      length(keys(jsondecode(local.value))) == 2
    )
    error_message = "the value is {\"url\": amqp://platform:<password>@broker.<prefix>.internal:5672, \"password\": 40 hex characters (160 bits)}: the services and the broker read the same password"
  }
}
