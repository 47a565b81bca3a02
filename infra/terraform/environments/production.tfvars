environment = "production"
region      = "eu-west-1"

# services, sizes and counts: see variables.tf for the defaults (256 CPU / 512 MB, 2-6 tasks each)
services = {
  customer = { priority = 10, desired_count = 2, max_count = 6 }
  products = { priority = 20, desired_count = 2, max_count = 6 }
  shopping = { priority = 30, desired_count = 2, max_count = 6 }
}

# certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/..."
admin_emails = []

docdb_instance_count = 2
mq_deployment_mode   = "SINGLE_INSTANCE"
deletion_protection  = true
