environment = "staging"
region      = "eu-west-1"

# the services and their sizes come from services.auto.tfvars.json (npm run generate, from the
# manifests); counts per environment here, for any of them (defaults: variables.tf)
service_scaling = {
  customer = { desired_count = 1, max_count = 2 }
  products = { desired_count = 1, max_count = 2 }
  shopping = { desired_count = 1, max_count = 2 }
}

cpu_architecture     = "ARM64"
docdb_instance_count = 1
deletion_protection  = false
log_retention_days   = 7

# a throwaway environment: its secrets are deleted at once on destroy, so it can be created again
secret_recovery_window_days = 0
