from apps.events.public import domain_signal

customer_registered = domain_signal("accounts.CustomerRegistered.v1")
customer_email_verified = domain_signal("accounts.CustomerEmailVerified.v1")
customer_email_change_requested = domain_signal("accounts.CustomerEmailChangeRequested.v1")
customer_password_reset_requested = domain_signal("accounts.CustomerPasswordResetRequested.v1")
customer_deleted = domain_signal("accounts.CustomerDeleted.v1")
