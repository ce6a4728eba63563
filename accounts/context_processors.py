def roles(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "user_roles": list(getattr(request, "roles", [])),
        "active_role": getattr(request, "active_role", None),
    }
