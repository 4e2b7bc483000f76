from django.urls import path, register_converter
from django.urls.converters import get_converters

from billing import views
from core.converters import ControlNumberConverter

app_name = "billing"
if "control" not in get_converters():  # core's URLconf registers it when it is loaded first
    register_converter(ControlNumberConverter, "control")

job = "billing/jobs/<control:number>/"
urlpatterns = [
    path("billing/prices/", views.PriceListView.as_view(), name="price-list"),
    path("billing/prices/new/", views.PriceItemFormView.as_view(), name="price-create"),
    path("billing/prices/<int:pk>/edit/", views.PriceItemFormView.as_view(), name="price-update"),
    path("billing/discounts/", views.DiscountLimitsView.as_view(), name="discount-limits"),
    path(job, views.JobView.as_view(), name="job"),
    path(f"{job}preapproval/", views.PreapprovalView.as_view(), name="preapproval"),
    path(f"{job}payments/", views.PaymentView.as_view(), name="payment"),
    path(f"{job}estimate/", views.EstimateStartView.as_view(), name="estimate-start"),
    path(f"{job}estimate/lines/", views.LineAddView.as_view(), name="line-add"),
    path(f"{job}estimate/lines/<int:line>/remove/", views.LineRemoveView.as_view(), name="line-remove"),
    path(f"{job}estimate/send/", views.EstimateSendView.as_view(), name="estimate-send"),
    path(f"{job}invoice/", views.InvoiceIssueView.as_view(), name="invoice-issue"),
    path("billing/invoices/<str:number>/", views.InvoiceDetailView.as_view(), name="invoice-detail"),
    path("billing/invoices/<str:number>/cancel/", views.InvoiceCancelView.as_view(), name="invoice-cancel"),
    # The customer's answer, beside the status page it is opened from (the same secret link).
    path("status/<str:token>/estimate/", views.EstimateAnswerView.as_view(), name="estimate-answer"),
    path("billing/reports/", views.ReportIndexView.as_view(), name="reports"),
    path("billing/reports/takings/", views.TakingsView.as_view(), name="report-takings"),
    path("billing/reports/takings.csv", views.TakingsView.as_view(as_csv=True), name="report-takings-csv"),
    path("billing/reports/balances/", views.BalancesView.as_view(), name="report-balances"),
    path("billing/reports/balances.csv", views.BalancesView.as_view(as_csv=True), name="report-balances-csv"),
    path("billing/reports/waiting/", views.WaitingView.as_view(), name="report-waiting"),
    path("billing/reports/waiting.csv", views.WaitingView.as_view(as_csv=True), name="report-waiting-csv"),
    path("billing/reports/revenue/", views.RevenueView.as_view(), name="report-revenue"),
    path("billing/reports/revenue.csv", views.RevenueView.as_view(as_csv=True), name="report-revenue-csv"),
]
