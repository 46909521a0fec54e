from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import login_guard, services
from accounts.forms import ProfileForm, SignUpForm
from config.errors import InvalidInput


def _add_errors(form: SignUpForm | ProfileForm, error: InvalidInput) -> None:
    for name, msgs in error.fields.items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, msg)


def signup(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.register_user(
                    username=data["username"],
                    email=data["email"],
                    password=data["password1"],
                    display_name=data.get("display_name", ""),
                )
            except InvalidInput as exc:
                _add_errors(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Welcome to Glassbook! Your progress is now saved.")
                if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    return redirect(next_url)
                return redirect("courseware:catalogue")
    else:
        form = SignUpForm()
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            try:
                services.update_profile(
                    user=user,  # type: ignore[arg-type]
                    display_name=form.cleaned_data.get("display_name", ""),
                    email=form.cleaned_data.get("email", ""),
                )
            except InvalidInput as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "Profile saved.")
                return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=user)
    return render(request, "registration/profile.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's log-in form, refused for a while after too many failures (accounts.login_guard)."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        username = request.POST.get("username")
        wait = login_guard.retry_after(username=username, address=login_guard.client_address(request))
        if wait is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating the posted one would check the password after all.
        form = self.form_class(request, initial={"username": username or ""})
        message = f"Too many failed log-ins; try again in {wait // 60 + 1} minute(s)."
        response = self.render_to_response(self.get_context_data(form=form, refused=message), status=429)
        response["Retry-After"] = str(wait)
        return response
