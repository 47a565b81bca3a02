environment = "staging"
region      = "eu-west-1"

services = {
  customer = { priority = 10, desired_count = 1, max_count = 2 }
  products = { priority = 20, desired_count = 1, max_count = 2 }
  shopping = { priority = 30, desired_count = 1, max_count = 2 }
}

cpu_architecture     = "ARM64"
docdb_instance_count = 1
deletion_protection  = false
log_retention_days   = 7

# a throwaway environment: its secrets are deleted at once on destroy, so it can be created again
secret_recovery_window_days = 0
