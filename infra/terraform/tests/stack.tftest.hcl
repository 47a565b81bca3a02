# Plans the whole root stack with a mocked AWS provider (no credentials, nothing created) and
# checks the wiring: one rule, target group and ECS service per entry of `services`, and the
# variable validations.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks"
}

variables {
  environment = "production"
}

run "plans_every_service" {
  command = plan

  assert {
    condition     = keys(output.deploy_targets) == ["customer", "products", "shopping"]
    error_message = "every service must have a deploy target"
  }

  assert {
    condition     = alltrue([for name, t in output.deploy_targets : t.service == name && t.cluster == "platform-production"])
    error_message = "ECS services are named after the services, in the platform-production cluster"
  }

  assert {
    condition     = keys(output.ecr_repository_names) == ["customer", "products", "shopping"] && output.ecr_repository_names["customer"] == "platform-production/customer"
    error_message = "one ECR repository per service, named <prefix>/<service>"
  }

  assert {
    condition     = output.task_definition_families["shopping"] == "platform-production-shopping"
    error_message = "task definition families are <prefix>-<service>"
  }

  assert {
    condition     = output.log_group_names["products"] == "/ecs/platform-production/products"
    error_message = "each service logs to its own group"
  }
}

run "a_fourth_service_is_one_map_entry" {
  command = plan

  variables {
    services = {
      customer = { priority = 10 }
      products = { priority = 20 }
      shopping = { priority = 30 }
      billing  = { priority = 40, cpu = 512, memory = 1024 }
    }
  }

  assert {
    condition     = contains(keys(output.deploy_targets), "billing") && output.task_definition_families["billing"] == "platform-production-billing"
    error_message = "a new entry in services must give a new service end to end"
  }
}

run "rejects_duplicate_rule_priorities" {
  command = plan
  variables {
    services = {
      customer = { priority = 10 }
      products = { priority = 10 }
    }
  }
  expect_failures = [var.services]
}

run "rejects_bad_environment_names" {
  command = plan
  variables {
    environment = "Prod!"
  }
  expect_failures = [var.environment]
}

run "rejects_admin_emails_the_services_cannot_split" {
  command = plan
  variables {
    admin_emails = ["boss@example.com,intruder@example.com"]
  }
  expect_failures = [var.admin_emails]
}

run "rejects_a_recovery_window_secrets_manager_refuses" {
  command = plan
  variables {
    secret_recovery_window_days = 3
  }
  expect_failures = [var.secret_recovery_window_days]
}

run "rejects_two_services_on_one_path" {
  command = plan
  variables {
    services = {
      customer = { priority = 10 }
      accounts = { priority = 20, path = "/customer" }
    }
  }
  expect_failures = [var.services]
}

# services.auto.tfvars.json (generated from the manifests) gives every service and its sizes;
# service_scaling changes the counts of one environment, and only of the services it names
run "counts_per_environment_over_the_manifests" {
  command = plan

  variables {
    service_scaling = {
      customer = { desired_count = 1, max_count = 2 }
      shopping = { max_count = 9 }
    }
  }

  assert {
    condition     = output.task_counts["customer"] == { min = 1, max = 2 } && output.task_counts["shopping"].max == 9
    error_message = "service_scaling must set the counts of the services it names"
  }

  assert {
    condition     = output.task_counts["shopping"].min == jsondecode(file("services.auto.tfvars.json")).services.shopping.desired_count && output.task_counts["products"] == { min = jsondecode(file("services.auto.tfvars.json")).services.products.desired_count, max = jsondecode(file("services.auto.tfvars.json")).services.products.max_count }
    error_message = "counts service_scaling does not name come from the manifests (services.auto.tfvars.json)"
  }
}

run "rejects_scaling_for_an_unknown_service" {
  command = plan
  variables {
    service_scaling = { custmer = { desired_count = 1 } }
  }
  expect_failures = [var.service_scaling]
}
